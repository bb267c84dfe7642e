package io.tinykv.server.store;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftLocalState;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.RaftStoreStats;
import io.tinykv.raftstore.StageObserver;
import io.tinykv.server.ServerMetrics;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.space.DiskSpaceGuard;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's own Prometheus metrics, next to the per-request ones of
 * {@link io.tinykv.server.ServerMetrics}: Raft proposals, snapshots sent and received, apply lag per
 * region, and the scheduler heartbeat stream's health.
 */
final class StoreMetrics implements HeartbeatSender.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(StoreMetrics.class);
    private static final double NANOS_PER_SECOND = 1e9;

    private final Counter proposals;
    private final Counter snapshotsSent;
    private final Counter heartbeatsDropped;
    private final Counter heartbeatsSent;
    private final Counter heartbeatStreamBreaks;

    StoreMetrics(PrometheusRegistry registry) {
        proposals = Counter.builder()
                .name("tinykv_raft_proposals_total")
                .help("Commands handed to Raft, by kind (write: a log entry; read: a ReadIndex) and result")
                .labelNames("kind", "result")
                .register(registry);
        snapshotsSent = Counter.builder()
                .name("tinykv_snapshots_sent_total")
                .help("Snapshots sent to other stores, by outcome")
                .labelNames("result")
                .register(registry);
        heartbeatsDropped = Counter.builder()
                .name("tinykv_region_heartbeats_dropped_total")
                .help("Region heartbeats dropped because the queue to the scheduler was full")
                .register(registry);
        heartbeatsSent = Counter.builder()
                .name("tinykv_region_heartbeats_sent_total")
                .help("Region heartbeats sent to the scheduler")
                .register(registry);
        heartbeatStreamBreaks = Counter.builder()
                .name("tinykv_region_heartbeat_stream_breaks_total")
                .help("Times the region heartbeat stream to the scheduler broke and was reopened")
                .register(registry);
    }

    /** Snapshots received whole from other stores (and handed to their regions to apply). */
    void registerSnapshotsReceived(PrometheusRegistry registry, LongSupplier received) {
        CounterWithCallback.builder()
                .name("tinykv_snapshots_received_total")
                .help("Snapshots received whole from other stores and handed to the region to apply")
                .callback(cb -> cb.call(received.getAsLong()))
                .register(registry);
    }

    /**
     * Snapshot streams refused from their header: {@code busy} when as many snapshots, or bytes of
     * them, were being received already (the sender tries again later), {@code target} when not for
     * a peer this store has.
     */
    void registerSnapshotsRefused(PrometheusRegistry registry, LongSupplier busy, LongSupplier target) {
        CounterWithCallback.builder()
                .name("tinykv_snapshots_refused_total")
                .help("Snapshot streams from other stores refused before any file was written, by reason")
                .labelNames("reason")
                .callback(cb -> {
                    cb.call(busy.getAsLong(), "busy");
                    cb.call(target.getAsLong(), "target");
                })
                .register(registry);
    }

    /**
     * Snapshots this store streams to others: how many are being sent now (at most
     * {@code raftstore.concurrent-send-snap-limit}) and how many were refused for want of a place.
     */
    /**
     * BatchRaftMessages sent to other stores: with {@code tinykv_raft_messages_sent_total}, the
     * messages each gRPC message carried (TiKV's BatchRaftMessage batching at work).
     */
    void registerRaftBatchesSent(PrometheusRegistry registry, LongSupplier batches) {
        counter(
                registry,
                "tinykv_raft_message_batches_sent_total",
                "BatchRaftMessages sent to other stores (messages per batch: raft_messages_sent / this)",
                batches);
    }

    void registerSnapshotSends(PrometheusRegistry registry, IntSupplier inFlight, LongSupplier refused) {
        GaugeWithCallback.builder()
                .name("tinykv_snapshot_sends_in_flight")
                .help("Snapshots being sent to other stores now (bounded by raftstore.concurrent-send-snap-limit)")
                .callback(cb -> cb.call(inFlight.getAsInt()))
                .register(registry);
        CounterWithCallback.builder()
                .name("tinykv_snapshot_sends_refused_total")
                .help("Snapshots not sent because raftstore.concurrent-send-snap-limit were being sent already "
                        + "(reported failed; Raft sends them again later)")
                .callback(cb -> cb.call(refused.getAsLong()))
                .register(registry);
    }

    /**
     * The batch system's group commit: synced raft-engine writes and what they carried. Readys per
     * write is {@code tinykv_raft_readys_persisted_total / tinykv_raft_synced_writes_total}.
     */
    void registerRaftBatches(PrometheusRegistry registry, Supplier<RaftStoreStats.Snapshot> stats) {
        counter(
                registry,
                "tinykv_raft_synced_writes_total",
                "Synced raft-engine write batches (one fsync each, for every peer with a Ready that round)",
                () -> stats.get().syncedRaftWrites());
        counter(
                registry,
                "tinykv_raft_readys_persisted_total",
                "Peers' Readys persisted by those writes (per write: readys_persisted / synced_writes)",
                () -> stats.get().readysPersisted());
        counter(
                registry,
                "tinykv_raft_entries_persisted_total",
                "Raft log entries persisted by those writes",
                () -> stats.get().entriesPersisted());
        counter(
                registry,
                "tinykv_raft_entries_applied_total",
                "Committed Raft entries applied to the kv engine",
                () -> stats.get().entriesApplied());
        counter(
                registry,
                "tinykv_raft_unsynced_writes_total",
                "Raft-engine write batches left unsynced: only commit indexes changed (etcd's MustSync rule)",
                () -> stats.get().unsyncedRaftWrites());
        counter(
                registry,
                "tinykv_raft_messages_sent_total",
                "Raft messages this store sent to other stores",
                () -> stats.get().messagesSent());
        counter(
                registry,
                "tinykv_raft_ticks_total",
                "Times the store ticked all its peers",
                () -> stats.get().ticks());
        counter(
                registry,
                "tinykv_raft_poll_rounds_total",
                "Batch-system rounds that had work (per write with one client: the rounds a write waits for)",
                () -> stats.get().pollRounds());
        counter(
                registry,
                "tinykv_raft_same_round_readys_total",
                "Readys handled in the round of the persist that made their entries committed (a single voter's"
                        + " commit), instead of in a round of their own",
                () -> stats.get().sameRoundReadys());
        CounterWithCallback.builder()
                .name("tinykv_raft_round_seconds_total")
                .help("Time the Raft thread spent in batch-system rounds (per tick with idle regions: what"
                        + " ticking every peer costs)")
                .callback(cb -> cb.call(stats.get().roundNanos() / 1e9))
                .register(registry);
        counter(
                registry,
                "tinykv_raft_proposals_settled_total",
                "Proposals of this store's leaders answered by an apply (the count for the two times below)",
                () -> stats.get().proposalsSettled());
        CounterWithCallback.builder()
                .name("tinykv_raft_proposal_commit_wait_seconds_total")
                .help("Summed time from a proposal to the start of the apply that settled it: the leader's fsync"
                        + " and the followers' round trip in parallel, and the wait for that round")
                .callback(cb -> cb.call(stats.get().proposalCommitWaitNanos() / 1e9))
                .register(registry);
        CounterWithCallback.builder()
                .name("tinykv_raft_proposal_apply_seconds_total")
                .help("Summed time of the applies that settled proposals, answers included, per proposal")
                .callback(cb -> cb.call(stats.get().proposalApplyNanos() / 1e9))
                .register(registry);
    }

    /**
     * The distributions of the write path's stages, where the sums above give only means: an
     * operator looking for a slow p99 sees whether the disk (raft writes), replication (commit
     * wait) or the kv engine (apply) holds the tail.
     */
    static StageObserver stageHistograms(PrometheusRegistry registry) {
        Histogram commandWait = ServerMetrics.latencyHistogram(
                        "tinykv_raft_command_wait_duration_seconds",
                        "Client commands, from their arrival in their region's mailbox until the Raft thread took"
                                + " them (the hop from the gRPC thread and the rest of the Raft thread's round)")
                .register(registry);
        Histogram raftWrites = ServerMetrics.latencyHistogram(
                        "tinykv_raft_write_duration_seconds",
                        "Raft-engine writes of the batch system's rounds, by whether they were fsynced (synced: new"
                                + " entries or a vote; unsynced: only commit indexes)")
                .labelNames("synced")
                .register(registry);
        Histogram commitWait = ServerMetrics.latencyHistogram(
                        "tinykv_raft_commit_wait_duration_seconds",
                        "Per proposal of this store's leaders: from the proposal to the start of the apply that"
                                + " settled it (the leader's fsync and a follower's round trip in parallel, and the wait"
                                + " for the round that saw the commit)")
                .register(registry);
        Histogram apply = ServerMetrics.latencyHistogram(
                        "tinykv_raft_proposal_apply_duration_seconds",
                        "Applies that settled proposals of this store's leaders, their answers included")
                .register(registry);
        var synced = raftWrites.labelValues("true");
        var unsynced = raftWrites.labelValues("false");
        return new StageObserver() {
            @Override
            public void commandWait(long nanos) {
                commandWait.observe(nanos / NANOS_PER_SECOND);
            }

            @Override
            public void raftWrite(boolean fsynced, long nanos) {
                (fsynced ? synced : unsynced).observe(nanos / NANOS_PER_SECOND);
            }

            @Override
            public void proposalCommitWait(long nanos) {
                commitWait.observe(nanos / NANOS_PER_SECOND);
            }

            @Override
            public void proposalApply(long nanos) {
                apply.observe(nanos / NANOS_PER_SECOND);
            }
        };
    }

    /** How many of the store's regions hibernate (raftstore.hibernate-regions): the peers not ticking. */
    void registerIdleRegions(PrometheusRegistry registry, IntSupplier idle) {
        GaugeWithCallback.builder()
                .name("tinykv_raft_idle_regions")
                .help("Peers on this store whose region is idle (hibernating: neither ticking nor heartbeating;"
                        + " raftstore.hibernate-regions), as of the last tick")
                .callback(cb -> cb.call(idle.getAsInt()))
                .register(registry);
    }

    /** What the regions' bounded mailboxes turned away (raftstore.notify-capacity). */
    void registerMailboxBounds(PrometheusRegistry registry, LongSupplier commandsRefused, LongSupplier raftDropped) {
        counter(
                registry,
                "tinykv_raft_commands_refused_busy_total",
                "Client commands answered server_is_busy because their region's mailbox was full "
                        + "(raftstore.notify-capacity)",
                commandsRefused);
        counter(
                registry,
                "tinykv_raft_messages_dropped_busy_total",
                "Raft messages from other stores dropped because their region's mailbox was full; Raft sends "
                        + "again what matters",
                raftDropped);
    }

    private static void counter(PrometheusRegistry registry, String name, String help, LongSupplier value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.getAsLong()))
                .register(registry);
    }

    /**
     * Per region: entries committed but not applied yet here, read from the engines when scraped
     * (the commit index from the raft engine, the applied index from the kv engine).
     */
    /** The free disk space at the guard's last sample, and its level (0 normal, 1 almost full, 2 full). */
    void registerDiskSpace(PrometheusRegistry registry, DiskSpaceGuard guard) {
        GaugeWithCallback.builder()
                .name("tinykv_disk_available_bytes")
                .help("Free space of the data directory's disk at the last sample")
                .callback(cb -> cb.call(guard.availableBytes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tinykv_disk_reserve_bytes")
                .help("Free space under which client writes are refused (storage.reserve-space)")
                .callback(cb -> cb.call(guard.reserveBytes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tinykv_disk_usage_level")
                .help("0: normal; 1: under the reserve, only deletions pass; 2: under half of it, no client write")
                .callback(cb -> cb.call(guard.usage().ordinal()))
                .register(registry);
    }

    void registerApplyLag(PrometheusRegistry registry, Engines engines, Supplier<List<Long>> regionIds) {
        GaugeWithCallback.builder()
                .name("tinykv_raft_apply_lag_entries")
                .help("Committed Raft entries not yet applied, per region (as persisted)")
                .labelNames("region")
                .callback(cb -> {
                    try {
                        for (long regionId : regionIds.get()) {
                            RaftLocalState raft = engines.raft()
                                    .getMessage(Cf.DEFAULT, Keys.raftStateKey(regionId), RaftLocalState.parser());
                            RaftApplyState apply = engines.kv()
                                    .getMessage(Cf.DEFAULT, Keys.applyStateKey(regionId), RaftApplyState.parser());
                            if (raft != null && apply != null) {
                                long lag = Math.max(0, raft.getHardState().getCommit() - apply.getAppliedIndex());
                                cb.call(lag, Long.toString(regionId));
                            }
                        }
                    } catch (RuntimeException e) {
                        // Scraped while the store shuts down: report nothing rather than fail the scrape.
                        LOG.debug("apply lag unavailable: {}", e.toString());
                    }
                })
                .register(registry);
    }

    void proposal(String kind, String result) {
        proposals.labelValues(kind, result).inc();
    }

    void snapshotSent(SnapshotStatus status) {
        snapshotsSent.labelValues(status.name().toLowerCase(Locale.ROOT)).inc();
    }

    @Override
    public void regionHeartbeatDropped() {
        heartbeatsDropped.inc();
    }

    @Override
    public void regionHeartbeatSent() {
        heartbeatsSent.inc();
    }

    @Override
    public void streamBroken() {
        heartbeatStreamBreaks.inc();
    }
}
