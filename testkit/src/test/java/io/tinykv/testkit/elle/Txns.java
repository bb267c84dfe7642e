package io.tinykv.testkit.elle;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds hand-written list-append histories. By default transactions run one after another (each
 * completes before the next is invoked); {@link #at} gives explicit times for real-time tests.
 */
final class Txns {

    private final List<Operation> operations = new ArrayList<>();
    private long time;

    static MicroOp a(String key, long value) {
        return new MicroOp.Append(key, value);
    }

    static MicroOp r(String key, long... values) {
        return new MicroOp.Read(key, Arrays.stream(values).boxed().toList());
    }

    Txns ok(MicroOp... ops) {
        return add(Outcome.OK, ops);
    }

    Txns fail(MicroOp... ops) {
        return add(Outcome.FAIL, ops);
    }

    Txns info(MicroOp... ops) {
        int id = operations.size();
        operations.add(new Operation(id, id, ++time, Operation.NEVER_COMPLETED, Outcome.INFO, List.of(ops)));
        return this;
    }

    Txns at(long invokeTime, long completeTime, MicroOp... ops) {
        int id = operations.size();
        operations.add(new Operation(id, id, invokeTime, completeTime, Outcome.OK, List.of(ops)));
        return this;
    }

    private Txns add(Outcome outcome, MicroOp... ops) {
        int id = operations.size();
        long invoke = ++time;
        operations.add(new Operation(id, id, invoke, ++time, outcome, List.of(ops)));
        return this;
    }

    List<Operation> history() {
        return List.copyOf(operations);
    }
}
