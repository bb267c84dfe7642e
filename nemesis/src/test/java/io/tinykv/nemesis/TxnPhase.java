package io.tinykv.nemesis;

import io.tinykv.testkit.history.History;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.Workload;

/**
 * One phase of a transactional workload: its keys (behind {@code executor}'s prefix), the workload
 * drawing the transactions and the history the checker judges.
 */
record TxnPhase(String name, TxnExecutor executor, Workload workload, History history) {}
