/**
 * What a store knows about concurrent transactions beyond its engines (TiKV's concurrency
 * manager): the largest read timestamp it has served ({@code max_ts}), the locks of one-phase
 * prewrites between computing their commit timestamp and writing it, and whether a region's
 * leadership has caught {@code max_ts} up with the cluster after it changed hands.
 */
package io.tinykv.txn.concurrency;
