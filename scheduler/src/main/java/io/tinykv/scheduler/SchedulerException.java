package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;

/** A request the scheduler refuses; travels to the caller as a {@code pdpb.Error} of {@link #type()}. */
public final class SchedulerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Pdpb.ErrorType type;

    public SchedulerException(Pdpb.ErrorType type, String message) {
        super(message);
        this.type = type;
    }

    public Pdpb.ErrorType type() {
        return type;
    }

    public Pdpb.Error toError() {
        return Pdpb.Error.newBuilder().setType(type).setMessage(getMessage()).build();
    }

    static SchedulerException invalid(String message) {
        return new SchedulerException(Pdpb.ErrorType.UNKNOWN, message);
    }

    static SchedulerException notBootstrapped(long clusterId) {
        return new SchedulerException(Pdpb.ErrorType.NOT_BOOTSTRAPPED, "cluster " + clusterId + " is not bootstrapped");
    }
}
