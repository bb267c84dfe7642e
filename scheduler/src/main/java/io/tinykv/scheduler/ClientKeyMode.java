package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;

/**
 * How clients name keys to the scheduler. Region boundaries inside the cluster are raw user keys
 * (DESIGN.md §2); a TiKV client in transactional mode (API V1) asks PD with memcomparable-encoded
 * keys and expects encoded region boundaries back. One mode per cluster: every client of a cluster
 * must use the same mode.
 */
public enum ClientKeyMode {
    /** Keys travel as they are (RawKV clients, our own client). */
    RAW,
    /** Keys from clients are memcomparable-encoded; boundaries sent back are encoded. */
    TXN;

    /**
     * The raw key a client means. The empty key (minus or plus infinity) stays empty.
     *
     * @throws IllegalArgumentException in {@link #TXN} mode when the key is not a valid encoding
     */
    public ByteString fromClient(ByteString key) {
        if (this == RAW || key.isEmpty()) {
            return key;
        }
        return MemComparableCodec.decode(key);
    }

    /** A raw key as the client expects it; the empty key stays empty. */
    public ByteString toClient(ByteString key) {
        if (this == RAW || key.isEmpty()) {
            return key;
        }
        return MemComparableCodec.encode(key);
    }

    /** The region with its boundaries as the client expects them. */
    public Metapb.Region toClient(Metapb.Region region) {
        if (this == RAW) {
            return region;
        }
        return region.toBuilder()
                .setStartKey(toClient(region.getStartKey()))
                .setEndKey(toClient(region.getEndKey()))
                .build();
    }
}
