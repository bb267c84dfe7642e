package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Pdpb;
import org.junit.jupiter.api.Test;

/** The result label of tinykv_grpc_requests_total, read from each kind of answer. */
class ServerMetricsTest {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ServerMetrics metrics = new ServerMetrics(registry, System::nanoTime);

    @Test
    void anAnswerIsOkRegionErrorOrErrorByWhatItCarries() {
        answer("RawPut", Kvrpcpb.RawPutResponse.getDefaultInstance(), Status.OK);
        answer(
                "RawPut",
                Kvrpcpb.RawPutResponse.newBuilder()
                        .setRegionError(Errorpb.Error.newBuilder().setMessage("not leader"))
                        .build(),
                Status.OK);
        answer("RawPut", Kvrpcpb.RawPutResponse.newBuilder().setError("bad").build(), Status.OK);
        // Asked again, from the per-type cache: the same answers.
        answer(
                "RawPut",
                Kvrpcpb.RawPutResponse.newBuilder()
                        .setRegionError(Errorpb.Error.newBuilder().setMessage("epoch"))
                        .build(),
                Status.OK);
        answer("RawPut", Kvrpcpb.RawPutResponse.getDefaultInstance(), Status.UNAVAILABLE);

        assertThat(count("RawPut", "ok")).isEqualTo(1);
        assertThat(count("RawPut", "region_error")).isEqualTo(2);
        assertThat(count("RawPut", "error")).isEqualTo(1);
        assertThat(count("RawPut", "unavailable")).isEqualTo(1);
    }

    @Test
    void aPdAnswerReportsTheErrorInItsHeader() {
        answer(
                "GetRegion",
                Pdpb.GetRegionResponse.newBuilder()
                        .setHeader(Pdpb.ResponseHeader.newBuilder()
                                .setError(Pdpb.Error.newBuilder().setMessage("not bootstrapped")))
                        .build(),
                Status.OK);
        answer("GetRegion", Pdpb.GetRegionResponse.getDefaultInstance(), Status.OK);

        assertThat(count("GetRegion", "error")).isEqualTo(1);
        assertThat(count("GetRegion", "ok")).isEqualTo(1);
    }

    @Test
    void latencyBucketsResolveBelowAMillisecondAndReachSeconds() {
        var histogram =
                ServerMetrics.latencyHistogram("test_latency_seconds", "test").register(registry);
        histogram.observe(120e-6);
        var buckets = histogram.collect().getDataPoints().get(0).getClassicBuckets();

        assertThat(buckets.getUpperBound(0)).isEqualTo(50e-6);
        assertThat(buckets.getUpperBound(buckets.size() - 2))
                .as("the last finite bound")
                .isGreaterThan(10);
        // 120 µs lands in (100, 200] µs, below Prometheus's default first bound of 5 ms.
        assertThat(buckets.getCount(1)).isZero();
        assertThat(buckets.getUpperBound(2)).isEqualTo(200e-6);
        assertThat(buckets.getCount(2)).isEqualTo(1);
    }

    @SuppressWarnings("unchecked")
    private <R extends Message> void answer(String method, R response, Status status) {
        MethodDescriptor<R, R> descriptor = MethodDescriptor.<R, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Service", method))
                .setRequestMarshaller(ProtoUtils.marshaller((R) response.getDefaultInstanceForType()))
                .setResponseMarshaller(ProtoUtils.marshaller((R) response.getDefaultInstanceForType()))
                .build();
        ServerCall<R, R> call = new ServerCall<>() {
            @Override
            public void request(int numMessages) {}

            @Override
            public void sendHeaders(Metadata headers) {}

            @Override
            public void sendMessage(R message) {}

            @Override
            public void close(Status closeStatus, Metadata trailers) {}

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public MethodDescriptor<R, R> getMethodDescriptor() {
                return descriptor;
            }
        };
        metrics.interceptCall(call, new Metadata(), (observed, headers) -> {
            if (status.isOk()) {
                observed.sendMessage(response);
            }
            observed.close(status, new Metadata());
            return new ServerCall.Listener<>() {};
        });
    }

    private long count(String method, String result) {
        return registry.scrape().stream()
                .filter(s -> s instanceof CounterSnapshot)
                .map(s -> (CounterSnapshot) s)
                .filter(s -> s.getMetadata().getPrometheusName().equals("tinykv_grpc_requests"))
                .flatMap(s -> s.getDataPoints().stream())
                .filter(p -> method.equals(p.getLabels().get("method"))
                        && result.equals(p.getLabels().get("result")))
                .mapToLong(p -> (long) p.getValue())
                .sum();
    }
}
