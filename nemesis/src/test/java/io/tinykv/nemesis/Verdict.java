package io.tinykv.nemesis;

import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.linear.LinearizabilityChecker;
import io.tinykv.testkit.linear.RegisterOp;
import java.util.List;

/**
 * The checkers' verdict on one workload's history in one phase.
 *
 * @param checked    operations (registers) or transactions (bank, list-append) in the history
 * @param ok         of them, the ones that succeeded (committed)
 * @param indefinite of them, the ones whose outcome the client could not learn
 * @param anomalies  what the checker found (0 is the only passing number)
 * @param lostWrites acknowledged writes that were not found after the run
 * @param details    the checker's report or the lost writes, for the failure message
 */
record Verdict(
        String phase,
        String workload,
        long checked,
        long ok,
        long indefinite,
        int anomalies,
        int lostWrites,
        String details) {

    boolean passed() {
        return anomalies == 0 && lostWrites == 0;
    }

    static Verdict registers(RegisterWorkload workload, RegisterPhase phase) {
        workload.finalReads(phase);
        List<RegisterOp> history = phase.history();
        List<String> lost = workload.lostWrites(phase);
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(history);
        long indefinite = history.stream().filter(op -> !op.isKnown()).count();
        long puts = phase.acknowledged().size();
        return new Verdict(
                phase.name(),
                workload.name(),
                history.size() + puts,
                phase.ok.get(),
                indefinite,
                result.ok() ? 0 : 1,
                lost.size(),
                (result.ok() ? "" : result.message() + " counterexample " + result.counterexample())
                        + (lost.isEmpty() ? "" : " lost: " + lost));
    }

    static Verdict transactions(TxnWorkload workload, TxnPhase phase) throws Exception {
        List<Operation> operations = phase.history().operations();
        CheckResult result = workload.check(phase);
        String lost = workload.lostAfterRun(phase);
        return new Verdict(
                phase.name(),
                workload.name(),
                operations.size(),
                operations.stream().filter(Operation::isOk).count(),
                operations.stream().filter(Operation::isInfo).count(),
                result.anomalies().size(),
                lost.isEmpty() ? 0 : 1,
                (result.valid() ? "" : result.report()) + lost);
    }
}
