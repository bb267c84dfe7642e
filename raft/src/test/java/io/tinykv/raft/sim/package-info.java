/**
 * A deterministic simulator for the raft module, driven in virtual time from one seed.
 *
 * <ul>
 *   <li>{@link io.tinykv.raft.sim.SimNode}: one peer — RawNode, MemoryStorage as its disk, the applied
 *       state machine ({@link io.tinykv.raft.sim.AppliedState}); crash loses everything but the disk.
 *   <li>{@link io.tinykv.raft.sim.SimNetwork} with composable {@link io.tinykv.raft.sim.Filter}s: drop,
 *       duplicate, delay/reorder, partition.
 *   <li>{@link io.tinykv.raft.sim.SimCluster}: nodes + network + checker, ticks and message pumping.
 *   <li>{@link io.tinykv.raft.sim.SafetyChecker}: one method per Raft safety property, run after
 *       every Ready.
 *   <li>{@link io.tinykv.raft.sim.RandomRun}: the fault schedule of one seed, then a liveness check.
 * </ul>
 *
 * <p>Running: the default test run covers {@value io.tinykv.raft.sim.SimRandomTest#DEFAULT_SEEDS} seeds.
 * More: {@code mvn -B -pl raft -am test -Dtest=SimRandomTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Draft.sim.seeds=200000 -Draft.sim.faultTicks=200} (or {@code -Psoak}). A failing seed prints the
 * exact command replaying it ({@code -Draft.sim.seed=N}), which writes a trace to
 * {@code raft/target/raft-sim-seed-N.trace}. Fixed failures go to {@code RegressionSeedsTest}.
 */
package io.tinykv.raft.sim;
