package io.tinykv.server.store;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftLocalState;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.util.List;
import java.util.Locale;
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
     * Per region: entries committed but not applied yet here, read from the engines when scraped
     * (the commit index from the raft engine, the applied index from the kv engine).
     */
    void registerApplyLag(PrometheusRegistry registry, Engines engines, Supplier<List<Long>> regionIds) {
        GaugeWithCallback.builder()
                .name("tinykv_raft_apply_lag_entries")
                .help("Committed Raft entries not yet applied, per region (as persisted)")
                .labelNames("region")
                .callback(cb -> {
                    try {
                        for (long regionId : regionIds.get()) {
                            RaftLocalState raft = engines.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(regionId),
                                    RaftLocalState.parser());
                            RaftApplyState apply = engines.kv().getMessage(Cf.DEFAULT,
                                    Keys.applyStateKey(regionId), RaftApplyState.parser());
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
