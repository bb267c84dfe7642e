package io.tinykv.testkit.linear;

import java.util.ArrayList;
import java.util.List;

/** Builds register histories for tests: each invoke and answer takes the next tick of one clock. */
final class RecordedHistory {

    private final List<long[]> times = new ArrayList<>();
    private final List<RegisterOp> pending = new ArrayList<>();
    private long clock;

    int put(int client, String key, String value) {
        return add(RegisterOp.put(pending.size(), client, key, value, 0, RegisterOp.UNKNOWN));
    }

    int get(int client, String key) {
        return add(RegisterOp.get(pending.size(), client, key, null, 0, RegisterOp.UNKNOWN));
    }

    private int add(RegisterOp op) {
        times.add(new long[] {clock++, RegisterOp.UNKNOWN});
        pending.add(op);
        return op.id();
    }

    /** Operation {@code id} answered; for a get, {@code read} is what it read (null: not found). */
    void ok(int id, String read) {
        times.get(id)[1] = clock++;
        RegisterOp op = pending.get(id);
        if (op.kind() == RegisterOp.Kind.GET) {
            pending.set(id, RegisterOp.get(id, op.client(), op.key(), read, 0, RegisterOp.UNKNOWN));
        }
    }

    void ok(int id) {
        ok(id, null);
    }

    List<RegisterOp> ops() {
        List<RegisterOp> ops = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            RegisterOp op = pending.get(i);
            ops.add(new RegisterOp(
                    op.id(), op.client(), op.kind(), op.key(), op.value(), times.get(i)[0], times.get(i)[1]));
        }
        return ops;
    }
}
