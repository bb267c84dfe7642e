/**
 * The scheduler's status page and the JSON API behind it, on the scheduler's {@code --status-addr}
 * (next to {@code /metrics}) and, in plaintext, on its client port: stores, regions (searchable,
 * paged), operators, TSO and id state, under-replicated regions, live charts, and the cluster
 * operations of {@code tinykv ctl} ({@link io.tinykv.scheduler.dashboard.ClusterOps}), each checking
 * its preconditions and saying why it refuses.
 */
package io.tinykv.scheduler.dashboard;
