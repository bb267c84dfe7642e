package io.tinykv.bench.txn;

import io.tinykv.bench.driver.RunResult;

/**
 * One concurrency of the transaction baseline: 2-key read-write transactions and RawPut, measured
 * one after the other against the same server.
 */
public record TxnBaselineRow(int clients, TxnRunResult txn, RunResult rawPut) {

    public TxnBaselineRow {
        if (txn.clients() != clients || rawPut.config().clients() != clients) {
            throw new IllegalArgumentException("both runs of a row must use " + clients + " clients");
        }
    }

    /** Committed transactions per second over RawPut operations per second; NaN without RawPut. */
    public double txnPerRawPut() {
        return rawPut.opsPerSecond() > 0 ? txn.txnPerSecond() / rawPut.opsPerSecond() : Double.NaN;
    }
}
