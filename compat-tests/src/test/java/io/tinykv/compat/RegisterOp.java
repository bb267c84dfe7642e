package io.tinykv.compat;

/**
 * One read or write of one key, as a client saw it.
 *
 * @param key          the key
 * @param write        a put (else a get)
 * @param value        the value written, or the value read ({@code null}: the key was absent)
 * @param invokeNanos  when the client called
 * @param completeNanos when the call returned; {@link Long#MAX_VALUE} for a put whose outcome is unknown
 *                     (it failed: it may have taken effect at any time after its invocation, or never)
 * @param process      which client thread did it (for messages)
 */
record RegisterOp(String key, boolean write, String value, long invokeNanos, long completeNanos, int process) {
    static final long UNKNOWN = Long.MAX_VALUE;

    RegisterOp {
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completes before it is invoked: " + invokeNanos + " > " + completeNanos);
        }
        if (completeNanos == UNKNOWN && !write) {
            throw new IllegalArgumentException("a failed read tells nothing and is not recorded");
        }
        if (write && value == null) {
            throw new IllegalArgumentException("a put writes a value");
        }
    }

    boolean known() {
        return completeNanos != UNKNOWN;
    }

    @Override
    public String toString() {
        return "p" + process + " " + (write ? "put " : "get ") + key + (write ? " := " : " = ") + value
                + " [" + invokeNanos + ", " + (known() ? Long.toString(completeNanos) : "?") + "]";
    }
}
