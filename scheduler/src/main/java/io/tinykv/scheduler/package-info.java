/**
 * The placement driver ("PD"): serves {@code pdpb.PD} to clients and stores — cluster bootstrap,
 * store and region metadata learned from heartbeats and persisted, ids, timestamps, routing, and the
 * operators (add/remove peer, transfer leader) that the replica checker, the balance schedulers and
 * scatter send back to region leaders.
 *
 * <p>Map: {@link io.tinykv.scheduler.SchedulerCommand} (the {@code tinykv scheduler} process) starts a
 * {@link io.tinykv.scheduler.SchedulerServer} from a {@link io.tinykv.scheduler.SchedulerConfig}; the
 * server wires the {@link io.tinykv.scheduler.MetaStore} (RocksDB), the
 * {@link io.tinykv.scheduler.ClusterMeta} (stores, regions, the {@code RegionTree}), the
 * {@link io.tinykv.scheduler.Tso}, the {@link io.tinykv.scheduler.IdAllocator} and the
 * {@link io.tinykv.scheduler.Coordinator} (heartbeats to {@link io.tinykv.scheduler.Operator}s via the
 * {@code ReplicaChecker} and {@code RegionScatterer}; periodic rounds of the
 * {@code BalanceLeaderScheduler} and {@code BalanceRegionScheduler} under the
 * {@link io.tinykv.scheduler.ScheduleConfig}'s limits; pauses by name in
 * {@link io.tinykv.scheduler.SchedulerPauses}) behind the gRPC {@link io.tinykv.scheduler.SchedulerService}. Keys from
 * clients pass through the cluster's {@link io.tinykv.scheduler.ClientKeyMode}.
 */
package io.tinykv.scheduler;
