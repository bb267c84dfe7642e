package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Keys;
import io.tinykv.client.RpcException;
import io.tinykv.proto.Metapb;
import java.io.ByteArrayOutputStream;

/**
 * How a client's keys relate to region boundaries, as in TiKV's API V1. Raw data is split at raw
 * keys, so a RawKV client routes by its keys as they are. Transactional data is stored under
 * memcomparable-encoded user keys and split only at whole encoded user keys, so a transactional
 * client, like TiKV's in transactional mode, asks PD with encoded keys and decodes every region
 * boundary it learns (from PD or from a store's {@code epoch_not_match}); its cache and routing then
 * work on user keys, which the encoding keeps in the same order.
 *
 * <p>The encoding is TiKV's {@code codec::bytes::encode_bytes} (the store's {@code txn/mvcc/KeyCodec};
 * repeated here so that the client does not depend on the store's modules): groups of 8 bytes, the
 * last one zero-padded, each followed by the marker {@code 0xFF} minus its padding.
 */
public enum RegionKeyCodec {
    /** Keys and boundaries as they are. */
    RAW {
        @Override
        public ByteString toPd(ByteString key) {
            return key;
        }

        @Override
        public Metapb.Region fromCluster(Metapb.Region region) {
            return region;
        }
    },
    /** User keys to PD encoded; boundaries decoded into user keys. */
    TXN {
        @Override
        public ByteString toPd(ByteString key) {
            return key.isEmpty() ? key : encode(key);
        }

        @Override
        public Metapb.Region fromCluster(Metapb.Region region) {
            return region.toBuilder()
                    .setStartKey(decode(region, region.getStartKey()))
                    .setEndKey(decode(region, region.getEndKey()))
                    .build();
        }

        private ByteString decode(Metapb.Region region, ByteString boundary) {
            if (boundary.isEmpty()) {
                return boundary; // either end of the key space
            }
            ByteString decoded = decodeOrNull(boundary);
            if (decoded == null) {
                // A client failure (not an IllegalStateException) so that callers such as ctl report it
                // as a message: the cluster's data is raw, and this client was told it is transactional.
                throw new RpcException(
                        "region " + region.getId() + " has the boundary " + Keys.describe(boundary)
                                + ", which is not a memcomparable-encoded user key: it was split as raw data, and a transactional"
                                + " client cannot route by it (use a cluster whose data is transactional, --client-key-mode TXN)");
            }
            return decoded;
        }
    };

    /** A key (or range bound; empty stays empty) as PD's region lookups take it. */
    public abstract ByteString toPd(ByteString key);

    /** A region from PD or a store, with its boundaries as this client routes by them. */
    public abstract Metapb.Region fromCluster(Metapb.Region region);

    private static final int GROUP_BYTES = 8;
    private static final int MARKER_FULL = 0xFF;

    public static ByteString encode(ByteString key) {
        int groups = key.size() / GROUP_BYTES + 1;
        byte[] out = new byte[groups * (GROUP_BYTES + 1)];
        for (int g = 0; g < groups; g++) {
            int take = Math.min(GROUP_BYTES, key.size() - g * GROUP_BYTES);
            key.copyTo(out, g * GROUP_BYTES, g * (GROUP_BYTES + 1), take);
            out[g * (GROUP_BYTES + 1) + GROUP_BYTES] = (byte) (MARKER_FULL - (GROUP_BYTES - take));
        }
        return ByteString.copyFrom(out);
    }

    /** The user key {@code encoded} is exactly the encoding of, or null when it is no valid encoding. */
    public static ByteString decodeOrNull(ByteString encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.size());
        for (int pos = 0; pos + GROUP_BYTES + 1 <= encoded.size(); pos += GROUP_BYTES + 1) {
            int pad = MARKER_FULL - (encoded.byteAt(pos + GROUP_BYTES) & 0xFF);
            if (pad > GROUP_BYTES) {
                return null;
            }
            for (int i = pos; i < pos + GROUP_BYTES; i++) {
                if (i < pos + GROUP_BYTES - pad) {
                    out.write(encoded.byteAt(i));
                } else if (encoded.byteAt(i) != 0) {
                    return null;
                }
            }
            if (pad > 0) {
                return pos + GROUP_BYTES + 1 == encoded.size() ? ByteString.copyFrom(out.toByteArray()) : null;
            }
        }
        return null;
    }
}
