package io.tinykv.server;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Request metrics for every gRPC method: a counter by method and result and a latency histogram
 * by method. The result is {@code ok}, {@code region_error} or {@code error} (read from the
 * response or, for PD, its header, since these protocols report errors inside a successful call),
 * or the gRPC status code.
 */
public final class ServerMetrics implements ServerInterceptor {

    private static final double NANOS_PER_SECOND = 1e9;

    /** The first upper bound of the latency histograms, in seconds; the others double it, 19 in all (to 13 s). */
    private static final double FIRST_LATENCY_BUCKET_SECONDS = 50e-6;

    private static final int LATENCY_BUCKETS = 19;

    private final Counter requests;
    private final Histogram latency;
    private final LongSupplier nanoClock;

    public ServerMetrics(PrometheusRegistry registry, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.requests = Counter.builder()
                .name("tinykv_grpc_requests_total")
                .help("gRPC requests served, by method and result")
                .labelNames("method", "result")
                .register(registry);
        this.latency = latencyHistogram("tinykv_grpc_request_duration_seconds", "gRPC request latency, by method")
                .labelNames("method")
                .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        long startNanos = nanoClock.getAsLong();
        ServerCall<Q, R> observed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            private String result = "ok";

            @Override
            public void sendMessage(R message) {
                if (message instanceof Message m) {
                    result = resultOf(m);
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                String outcome =
                        status.isOk() ? result : status.getCode().name().toLowerCase(Locale.ROOT);
                requests.labelValues(method, outcome).inc();
                latency.labelValues(method).observe((nanoClock.getAsLong() - startNanos) / NANOS_PER_SECOND);
                super.close(status, trailers);
            }
        };
        return next.startCall(observed, headers);
    }

    private static String resultOf(Message response) {
        ErrorFields fields = ERROR_FIELDS.computeIfAbsent(response.getDescriptorForType(), ErrorFields::of);
        if (fields.regionError() != null && response.hasField(fields.regionError())) {
            return "region_error";
        }
        if (fields.error() != null && response.hasField(fields.error())) {
            return "error";
        }
        // PD responses carry their errors in the header.
        if (fields.header() != null && response.hasField(fields.header())) {
            return resultOf((Message) response.getField(fields.header()));
        }
        return "ok";
    }

    /**
     * The fields of a response type that report an error, looked up once per type: a lookup by name
     * costs a string and a map probe, and every answer asked three of them (a tenth of the samples
     * of a leader's Raft thread answering writes at 128 clients).
     */
    private record ErrorFields(
            Descriptors.FieldDescriptor regionError,
            Descriptors.FieldDescriptor error,
            Descriptors.FieldDescriptor header) {

        static ErrorFields of(Descriptors.Descriptor d) {
            Descriptors.FieldDescriptor error = d.findFieldByName("error");
            Descriptors.FieldDescriptor header = d.findFieldByName("header");
            return new ErrorFields(
                    d.findFieldByName("region_error"),
                    error != null && !error.isRepeated() ? error : null,
                    header != null && header.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE
                            ? header
                            : null);
        }
    }

    /** By response type; the types are the services' few dozen, fixed at build time. */
    private static final Map<Descriptors.Descriptor, ErrorFields> ERROR_FIELDS = new ConcurrentHashMap<>();

    /**
     * A latency histogram with buckets from 50 µs doubling to 13 s: a write answered in a
     * millisecond and a stalled one fall in different buckets, where Prometheus's default buckets
     * start at 5 ms and a healthy store's p99 is invisible.
     */
    public static Histogram.Builder latencyHistogram(String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .classicExponentialUpperBounds(FIRST_LATENCY_BUCKET_SECONDS, 2, LATENCY_BUCKETS)
                .classicOnly();
    }
}
