package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Keys;
import io.tinykv.client.RpcException;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;

/**
 * How a client's keys relate to region boundaries, as in TiKV's API V1. Raw data is split at raw
 * keys, so a RawKV client routes by its keys as they are. Transactional data is stored under
 * memcomparable-encoded user keys and split only at whole encoded user keys, so a transactional
 * client, like TiKV's in transactional mode, asks PD with encoded keys and decodes every region
 * boundary it learns (from PD or from a store's {@code epoch_not_match}); its cache and routing then
 * work on user keys, which the encoding keeps in the same order.
 *
 * <p>The encoding is TiKV's {@code codec::bytes::encode_bytes}, the stores' own {@link
 * MemComparableCodec}; a boundary it refuses is a client error here ({@link RpcException}), not an
 * {@link IllegalArgumentException}.
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
            return key.isEmpty() ? key : MemComparableCodec.encode(key);
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
            try {
                return MemComparableCodec.decode(boundary);
            } catch (IllegalArgumentException e) {
                // A client failure (not an IllegalArgumentException) so that callers such as ctl report it
                // as a message: the cluster's data is raw, and this client was told it is transactional.
                throw new RpcException(
                        "region " + region.getId() + " has the boundary " + Keys.describe(boundary)
                                + ", which is not a memcomparable-encoded user key: it was split as raw data, and a transactional"
                                + " client cannot route by it (use a cluster whose data is transactional, --client-key-mode TXN)",
                        e);
            }
        }
    };

    /** A key (or range bound; empty stays empty) as PD's region lookups take it. */
    public abstract ByteString toPd(ByteString key);

    /** A region from PD or a store, with its boundaries as this client routes by them. */
    public abstract Metapb.Region fromCluster(Metapb.Region region);
}
