package io.tinykv.client;

/**
 * What every transaction of one {@link TxnKvClient} shares: settings, time, PD (timestamps) and the
 * routing machinery. All of it is thread-safe.
 *
 * @param lockTtlMs how long the locks of a transaction stay alive before other transactions may roll
 *                  them back, counted in TSO physical milliseconds from the transaction's start ts
 */
record TxnEnv(ClientConfig config, Clock clock, PdClient pd, RegionRouter router, LockResolver resolver,
    long lockTtlMs) {

  Backoff newBackoff() {
    return new Backoff(clock, config.backoffBudgetMs());
  }
}
