/**
 * Executors for tests that decide when handed-over work runs: {@link io.tinykv.testkit.exec.ManualExecutor}
 * queues every task until the test runs them, so a test can tell work done on the caller's thread
 * (a Raft round sending its own messages) from work handed to another thread, without timing.
 */
package io.tinykv.testkit.exec;
