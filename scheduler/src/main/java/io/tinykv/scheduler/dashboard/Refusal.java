package io.tinykv.scheduler.dashboard;

/**
 * A cluster operation that was not done, and why: {@code status} is the HTTP status that carries it
 * (404 something named does not exist, 409 the cluster is not in a state that allows it), the
 * message says what is wrong and, where there is one, what to do instead.
 */
public final class Refusal extends RuntimeException {

    public static final int NOT_FOUND = 404;
    public static final int CONFLICT = 409;

    private final int status;

    public Refusal(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static Refusal notFound(String message) {
        return new Refusal(NOT_FOUND, message);
    }

    public static Refusal conflict(String message) {
        return new Refusal(CONFLICT, message);
    }

    public int status() {
        return status;
    }
}
