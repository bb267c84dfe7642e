package io.tinykv.scheduler;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The scheduler's Prometheus metrics, registered into the registry it is given (the process
 * exposes the registry over HTTP; the scheduler itself serves no HTTP).
 */
public final class SchedulerMetrics {

    /** Label values of {@code result}. */
    static final String OK = "ok";

    static final String ERROR = "error";

    private final Counter requests;
    private final Counter heartbeats;
    private final Counter operators;

    public SchedulerMetrics(PrometheusRegistry registry, ClusterMeta cluster) {
        requests = Counter.builder()
                .name("tinykv_scheduler_requests")
                .help("pdpb.PD requests handled, by RPC and result (ok, or the pdpb error type)")
                .labelNames("rpc", "result")
                .register(registry);
        heartbeats = Counter.builder()
                .name("tinykv_scheduler_heartbeats")
                .help("Heartbeats received, by kind (region, store) and outcome")
                .labelNames("kind", "outcome")
                .register(registry);
        operators = Counter.builder()
                .name("tinykv_scheduler_operators")
                .help("Operators by kind (add_peer, remove_peer, transfer_leader, move_peer, balance_leader, "
                        + "scatter_region) and event (created, finished, timed_out, dropped, replaced)")
                .labelNames("kind", "event")
                .register(registry);
        GaugeWithCallback.builder()
                .name("tinykv_scheduler_regions")
                .help("Regions known to the scheduler")
                .callback(cb -> cb.call(cluster.regionCount()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tinykv_scheduler_stores")
                .help("Stores known to the scheduler")
                .callback(cb -> cb.call(cluster.storeCount()))
                .register(registry);
    }

    void request(String rpc, String result) {
        requests.labelValues(rpc, result).inc();
    }

    void heartbeat(String kind, String outcome) {
        heartbeats.labelValues(kind, outcome).inc();
    }

    void operator(String kind, String event) {
        operators.labelValues(kind, event).inc();
    }
}
