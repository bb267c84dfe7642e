package io.tinykv.testkit.linear;

import java.util.Objects;

/**
 * One client operation on one key of a key-value register, as a history records it: when it was
 * invoked, when its answer arrived (or {@link #UNKNOWN} if it never did or was an error), and what
 * it wrote or read. Times are any monotonic clock (virtual ticks, event sequence numbers, nanos).
 *
 * @param id unique within the history, for messages
 * @param client who issued it (operations of one client never overlap)
 * @param kind put or get
 * @param key the register
 * @param value for a put, the value written (unique per put); for a get, what it read (null: not found)
 * @param invokeTime when the client sent it
 * @param completeTime when the client got a definite answer, or {@link #UNKNOWN}
 * @param mayRepeat for a put: the client may have sent it more than once (a client library that
 *     retries a write after a timeout or a lost leader, as the TiKV client does for RawKV), so
 *     besides the effect its answer stands for it may take effect once more within its interval
 *     (an earlier attempt and the retry both applied, another client's write between them)
 */
public record RegisterOp(
        int id,
        int client,
        Kind kind,
        String key,
        String value,
        long invokeTime,
        long completeTime,
        boolean mayRepeat) {

    /** The operation's outcome is unknown: a put may or may not have taken effect. */
    public static final long UNKNOWN = Long.MAX_VALUE;

    public enum Kind {
        PUT,
        GET
    }

    public RegisterOp {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if (kind == Kind.PUT) {
            Objects.requireNonNull(value, "a put writes a value");
        }
        if (mayRepeat && kind != Kind.PUT) {
            throw new IllegalArgumentException("operation #" + id + ": only a put may repeat");
        }
        if (completeTime != UNKNOWN && completeTime < invokeTime) {
            throw new IllegalArgumentException(
                    "operation #" + id + " completes (" + completeTime + ") before it is invoked (" + invokeTime + ")");
        }
    }

    /** An operation that takes effect at most once. */
    public RegisterOp(int id, int client, Kind kind, String key, String value, long invokeTime, long completeTime) {
        this(id, client, kind, key, value, invokeTime, completeTime, false);
    }

    public static RegisterOp put(int id, int client, String key, String value, long invokeTime, long completeTime) {
        return new RegisterOp(id, client, Kind.PUT, key, value, invokeTime, completeTime);
    }

    /** A put the client library may have sent more than once (see {@code mayRepeat}). */
    public static RegisterOp retriedPut(
            int id, int client, String key, String value, long invokeTime, long completeTime) {
        return new RegisterOp(id, client, Kind.PUT, key, value, invokeTime, completeTime, true);
    }

    public static RegisterOp get(int id, int client, String key, String read, long invokeTime, long completeTime) {
        return new RegisterOp(id, client, Kind.GET, key, read, invokeTime, completeTime);
    }

    public boolean isKnown() {
        return completeTime != UNKNOWN;
    }

    @Override
    public String toString() {
        return "#" + id + " c" + client + " " + kind + (mayRepeat ? "*" : "") + "(" + key
                + (kind == Kind.PUT ? ", " + value : "") + ")"
                + (kind == Kind.GET && isKnown() ? " -> " + value : "")
                + " [" + invokeTime + ", " + (isKnown() ? completeTime : "?") + "]";
    }
}
