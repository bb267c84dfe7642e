package io.tinykv.client;

import io.tinykv.proto.Errorpb;

/** A store answered with a region error that retrying the same request cannot fix (e.g. entry too large). */
public final class RegionErrorException extends TinyKvException {
    private final transient Errorpb.Error error;

    public RegionErrorException(String message, Errorpb.Error error) {
        super(message);
        this.error = error;
    }

    /** The region error as the store sent it. */
    public Errorpb.Error error() {
        return error;
    }
}
