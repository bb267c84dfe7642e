package io.tinykv.client;

import io.tinykv.proto.Pdpb;

/** PD (the scheduler) could not be reached within the budget, or it answered with an error. */
public final class PdException extends TinyKvException {
    private final Pdpb.ErrorType errorType;

    public PdException(String message) {
        this(message, null, Pdpb.ErrorType.OK);
    }

    public PdException(String message, Throwable cause) {
        this(message, cause, Pdpb.ErrorType.OK);
    }

    /** PD answered with {@code errorType} in its response header. */
    public PdException(String message, Throwable cause, Pdpb.ErrorType errorType) {
        super(message, cause);
        this.errorType = errorType;
    }

    /**
     * The error PD answered with (e.g. {@code ALREADY_BOOTSTRAPPED}, {@code REGION_NOT_FOUND}), or
     * {@code OK} when PD did not answer at all.
     */
    public Pdpb.ErrorType errorType() {
        return errorType;
    }
}
