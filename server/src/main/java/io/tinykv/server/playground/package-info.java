/**
 * {@code tinykv playground}, the one-command local cluster (DESIGN.md §2): {@link
 * io.tinykv.server.playground.PlaygroundCommand} starts one {@code tinykv scheduler} and N {@code
 * tinykv server} child processes on loopback, laid out by {@link
 * io.tinykv.server.playground.PlaygroundLayout}, started and stopped by {@link
 * io.tinykv.server.playground.Supervisor}, and waits until {@link
 * io.tinykv.server.playground.ClusterReadiness} says the cluster serves.
 *
 * <p>Rules: the children are the ordinary processes with their ordinary code — the playground adds
 * no server logic, only supervision. No child outlives the playground: stopping is SIGTERM, a grace
 * period, then SIGKILL, and a playground killed outright is noticed by each child as end of file on
 * its stdin ({@link io.tinykv.server.playground.ParentWatch}; no polling, no pid reuse). The same
 * arguments always give the same layout (directories and ports), which is what lets a restart find
 * its data.
 */
package io.tinykv.server.playground;
