package io.tinykv.raftstore.sim;

import io.tinykv.testkit.linear.LinearizabilityChecker;
import io.tinykv.testkit.linear.RegisterOp;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's history handed to testkit's {@link LinearizabilityChecker} (Wing–Gong–Lowe,
 * per key, unknown outcomes, minimal counterexample); the simulator's event sequence numbers are
 * its clock.
 */
public final class RegisterChecker {

    /** The verdict: {@code ok}, or a message naming the key and a minimal counterexample. */
    public record Result(boolean ok, String message) {}

    private RegisterChecker() {}

    public static Result check(List<History.Op> history) {
        List<RegisterOp> ops = new ArrayList<>(history.size());
        for (History.Op op : history) {
            RegisterOp.Kind kind = op.kind == History.Kind.PUT ? RegisterOp.Kind.PUT : RegisterOp.Kind.GET;
            long complete = op.isKnown() ? op.completeSeq : RegisterOp.UNKNOWN;
            ops.add(new RegisterOp(op.id, op.client, kind, op.key, op.value, op.invokeSeq, complete));
        }
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(ops);
        return new Result(result.ok(), result.message());
    }
}
