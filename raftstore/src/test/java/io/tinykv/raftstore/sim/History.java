package io.tinykv.raftstore.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the clients did and saw: every attempted put and get, with the (virtual-time sequence) moment
 * it was invoked and the moment its answer arrived. A put whose answer never came or was an error
 * may or may not have happened; a failed get tells nothing and is dropped.
 */
public final class History {

    public enum Kind {
        PUT,
        GET
    }

    /** One operation on one key. Values are unique per put; a get's value is null for "not found". */
    public static final class Op {
        public static final long PENDING = Long.MAX_VALUE;

        final int id;
        final int client;
        final Kind kind;
        final String key;
        String value;
        final long invokeSeq;
        long completeSeq = PENDING;
        boolean failed;

        Op(int id, int client, Kind kind, String key, String value, long invokeSeq) {
            this.id = id;
            this.client = client;
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.invokeSeq = invokeSeq;
        }

        boolean isKnown() {
            return completeSeq != PENDING;
        }

        @Override
        public String toString() {
            return "#" + id + " c" + client + " " + kind + "(" + key + (kind == Kind.PUT ? ", " + value : "")
                    + ")" + (kind == Kind.GET && isKnown() ? " -> " + value : "")
                    + " [" + invokeSeq + ", " + (isKnown() ? completeSeq : "?") + "]";
        }
    }

    private final List<Op> ops = new ArrayList<>();
    private long nextSeq;

    public Op invokePut(int client, String key, String value) {
        return add(client, Kind.PUT, key, Objects.requireNonNull(value, "value"));
    }

    public Op invokeGet(int client, String key) {
        return add(client, Kind.GET, key, null);
    }

    private Op add(int client, Kind kind, String key, String value) {
        Op op = new Op(ops.size(), client, kind, key, value, nextSeq++);
        ops.add(op);
        return op;
    }

    /** The operation succeeded; for a get, {@code readValue} is what it read (null: not found). */
    public void succeed(Op op, String readValue) {
        if (op.isKnown() || op.failed) {
            throw new IllegalStateException("operation completed twice: " + op);
        }
        op.completeSeq = nextSeq++;
        if (op.kind == Kind.GET) {
            op.value = readValue;
        }
    }

    /** The operation failed or timed out: its outcome is unknown. */
    public void fail(Op op) {
        if (op.isKnown() || op.failed) {
            throw new IllegalStateException("operation completed twice: " + op);
        }
        op.failed = true;
    }

    public List<Op> ops() {
        return List.copyOf(ops);
    }

    public long succeeded(Kind kind) {
        return ops.stream().filter(op -> op.kind == kind && op.isKnown()).count();
    }
}
