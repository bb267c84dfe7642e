package io.tinykv.bench.txn;

import io.tinykv.bench.driver.LatencySummary;
import java.util.List;

/**
 * One measured transactional run.
 *
 * @param target the system measured
 * @param clients closed-loop clients
 * @param measuredSeconds the measured phase's length (warm-up excluded)
 * @param committed committed transactions: the operations
 * @param conflicts transactions that lost a write conflict
 * @param aborted transactions that did not commit for another reason
 * @param errors transactions that failed otherwise (including commit outcome unknown)
 * @param committedLatency begin-to-commit time of every committed transaction
 * @param errorSamples the first few distinct error messages
 */
public record TxnRunResult(
        String target,
        int clients,
        double measuredSeconds,
        long committed,
        long conflicts,
        long aborted,
        long errors,
        LatencySummary committedLatency,
        List<String> errorSamples) {

    public TxnRunResult {
        errorSamples = List.copyOf(errorSamples);
        if (committed < 0 || conflicts < 0 || aborted < 0 || errors < 0) {
            throw new IllegalArgumentException("transaction counts must not be negative");
        }
    }

    public double txnPerSecond() {
        return measuredSeconds > 0 ? committed / measuredSeconds : 0;
    }

    /** Conflicts and other aborts as a percentage of every transaction that reached an outcome. */
    public double abortPercent() {
        long finished = committed + conflicts + aborted;
        return finished > 0 ? 100.0 * (conflicts + aborted) / finished : 0;
    }
}
