package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;

/**
 * How a cluster's clients name keys, one mode per cluster. The scheduler keeps region boundaries as
 * the stores report them and answers with them unchanged; the mode only says what a key from a client
 * must look like.
 *
 * <p>In a cluster of transactional data the boundaries are memcomparable-encoded user keys, as TiKV's
 * API V1 has them: the store cuts regions only at whole encoded user keys, never between two versions
 * of one (raftstore's {@code SplitKeys}), and encodes the keys of a transactional {@code SplitRegion}.
 * A TiKV client in transactional mode asks PD with encoded keys and decodes the boundaries it gets
 * back, so nothing needs translating; a key that is not an encoding comes from a client in the wrong
 * mode and is refused with a clear error.
 */
public enum ClientKeyMode {
    /** Keys travel as they are (RawKV clients, tinykv ctl); boundaries are raw keys. */
    RAW,
    /** Keys from clients are memcomparable-encoded user keys, like the region boundaries. */
    TXN;

    /**
     * The key a client means, as region boundaries name it: the key itself. The empty key (minus or
     * plus infinity) is always accepted.
     *
     * @throws IllegalArgumentException in {@link #TXN} mode when the key is not a valid encoding
     */
    public ByteString fromClient(ByteString key) {
        if (this == TXN && !key.isEmpty()) {
            MemComparableCodec.decode(key);
        }
        return key;
    }

    /** A boundary as the client expects it: as it is, in either mode. */
    public ByteString toClient(ByteString key) {
        return key;
    }

    /** The region with its boundaries as the client expects them: as it is, in either mode. */
    public Metapb.Region toClient(Metapb.Region region) {
        return region;
    }
}
