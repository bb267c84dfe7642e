package io.tinykv.storage;

import io.tinykv.proto.Errorpb;

/** A request reached a store whose view of the region disagrees; carries the error for the client. */
public class RegionException extends StorageException {

    private final Errorpb.Error error;

    public RegionException(Errorpb.Error error) {
        super(error.getMessage().isEmpty() ? error.toString().trim() : error.getMessage());
        this.error = error;
    }

    public Errorpb.Error error() {
        return error;
    }
}
