package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.http.HttpLimits;
import io.tinykv.scheduler.http.PdHttpApi;
import io.tinykv.scheduler.http.PdListener;
import io.tinykv.scheduler.http.PdViews;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test of speed: what the protocol detector in front of gRPC costs TSO. The same
 * {@link SchedulerService} is served twice in one JVM, by a plain gRPC Netty server ("direct") and
 * by {@link PdListener} ("front", gRPC and HTTP on one port); rounds alternate between them. Per
 * server: round-trip latency of sequential TSO requests on one stream, throughput of many streams
 * each asking one timestamp at a time, and the time from a new connection to its first timestamp
 * (where the detector does its work). It asserts only that timestamps increase.
 *
 * <p>Not part of the default run (its name does not end in Test). Run it with
 * {@code mvn -B -ntp -o -pl scheduler verify -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest=TsoFrontMeasurement -Dmeasure.rounds=3 -Dmeasure.requests=20000 -Dmeasure.streams=16
 * -Dmeasure.seconds=3}; the table is on stdout and in
 * {@code scheduler/target/surefire-reports/*TsoFrontMeasurement-output.txt}.
 */
class TsoFrontMeasurement {

    private static final long WAIT_SECONDS = 30;
    private static final int WARMUP_REQUESTS = 5_000;
    private static final int CONNECTIONS = 50;
    private static final double NANOS_PER_MICRO = 1_000.0;

    @TempDir
    Path dir;

    private record Latency(double p50Micros, double p99Micros, double meanMicros) {}

    @Test
    void measure() throws Exception {
        int rounds = Integer.getInteger("measure.rounds", 3);
        int requests = Integer.getInteger("measure.requests", 20_000);
        int streams = Integer.getInteger("measure.streams", 16);
        Duration run = Duration.ofSeconds(Long.getLong("measure.seconds", 3));

        MetaStore meta = MetaStore.open(dir.resolve("meta"));
        ExecutorService http = Executors.newSingleThreadExecutor();
        List<Server> servers = new ArrayList<>();
        try {
            SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"));
            ClusterMeta cluster = ClusterMeta.load(
                    meta,
                    System.currentTimeMillis(),
                    new SplittableRandom(1),
                    config.storeDisconnectTime().toMillis(),
                    config.maxStoreDownTime().toMillis());
            SchedulerMetrics metrics = new SchedulerMetrics(new PrometheusRegistry(), cluster);
            IdAllocator ids = new IdAllocator(new Fixtures.MemoryLong(), config.idBatchSize());
            Tso tso = new Tso(
                    new Fixtures.MemoryLong(),
                    System::currentTimeMillis,
                    config.tsoSaveWindow().toMillis());
            Pdpb.Member member = SchedulerService.member(SchedulerServer.MEMBER_ID, new HostAndPort("127.0.0.1", 1));
            SchedulerPauses pauses = new SchedulerPauses(System::currentTimeMillis);
            SchedulerService service = new SchedulerService(
                    cluster,
                    new Coordinator(cluster, ids, config, metrics, pauses),
                    tso,
                    ids,
                    () -> member,
                    ClientKeyMode.RAW,
                    System::currentTimeMillis,
                    metrics,
                    new GcSafePoints(meta));
            PdHttpApi api =
                    new PdHttpApi(new PdViews(cluster, config, () -> member, "v"), pauses, System::currentTimeMillis);
            InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
            Server direct = NettyServerBuilder.forAddress(any)
                    .addService(service)
                    .build()
                    .start();
            servers.add(direct);
            Server front = PdListener.serverBuilder(any, api, http, HttpLimits.DEFAULTS)
                    .addService(service)
                    .build()
                    .start();
            servers.add(front);
            long clusterId = cluster.clusterId();

            StringBuilder table = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%nTSO through a plain gRPC server (direct) and through PdListener (front), same service, same JVM%n"
                            + "sequential: %d requests on one stream; throughput: %d streams for %d s; connect: %d new"
                            + " connections to their first timestamp%n"
                            + "%-5s %-6s %10s %10s %10s %14s %16s%n",
                    requests,
                    streams,
                    run.toSeconds(),
                    CONNECTIONS,
                    "round",
                    "server",
                    "p50 µs",
                    "p99 µs",
                    "mean µs",
                    "streams ops/s",
                    "connect mean µs"));
            for (int round = 1; round <= rounds; round++) {
                // Alternate which goes first, so that warm-up and machine noise do not favour one.
                Server[] order = round % 2 == 1 ? new Server[] {direct, front} : new Server[] {front, direct};
                for (Server s : order) {
                    String name = s == direct ? "direct" : "front";
                    Latency latency;
                    double opsPerSecond;
                    ManagedChannel channel = channel(s.getPort());
                    try {
                        sequential(channel, clusterId, WARMUP_REQUESTS);
                        latency = sequential(channel, clusterId, requests);
                        opsPerSecond = throughput(channel, clusterId, streams, run);
                    } finally {
                        channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                    double connectMicros = connect(s.getPort(), clusterId);
                    table.append(String.format(
                            Locale.ROOT,
                            "%-5d %-6s %10.1f %10.1f %10.1f %14.0f %16.1f%n",
                            round,
                            name,
                            latency.p50Micros(),
                            latency.p99Micros(),
                            latency.meanMicros(),
                            opsPerSecond,
                            connectMicros));
                }
            }
            System.out.println(table);
        } finally {
            for (Server s : servers) {
                s.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            http.shutdownNow();
            meta.close();
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** One stream that asks one timestamp at a time and checks that they increase. */
    private static final class Stream implements AutoCloseable {
        private final SynchronousQueue<Object> answers = new SynchronousQueue<>();
        private final StreamObserver<Pdpb.TsoRequest> requests;
        private final Pdpb.TsoRequest request;
        private long last;

        Stream(ManagedChannel channel, long clusterId) {
            request = Pdpb.TsoRequest.newBuilder()
                    .setHeader(Pdpb.RequestHeader.newBuilder().setClusterId(clusterId))
                    .setCount(1)
                    .build();
            requests = PDGrpc.newStub(channel).tso(new StreamObserver<>() {
                @Override
                public void onNext(Pdpb.TsoResponse value) {
                    hand(value);
                }

                @Override
                public void onError(Throwable t) {
                    hand(t);
                }

                @Override
                public void onCompleted() {}
            });
        }

        private void hand(Object o) {
            try {
                answers.put(o);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void next() throws InterruptedException {
            requests.onNext(request);
            Object o = answers.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(Pdpb.TsoResponse.class);
            Pdpb.Timestamp t = ((Pdpb.TsoResponse) o).getTimestamp();
            long ts = (t.getPhysical() << Tso.LOGICAL_BITS) | t.getLogical();
            assertThat(ts).isGreaterThan(last);
            last = ts;
        }

        @Override
        public void close() {
            requests.onCompleted();
        }
    }

    private static Latency sequential(ManagedChannel channel, long clusterId, int count) throws Exception {
        long[] nanos = new long[count];
        try (Stream stream = new Stream(channel, clusterId)) {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                stream.next();
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        return new Latency(
                nanos[count / 2] / NANOS_PER_MICRO,
                nanos[(int) (count * 0.99)] / NANOS_PER_MICRO,
                Arrays.stream(nanos).average().orElse(0) / NANOS_PER_MICRO);
    }

    private static double throughput(ManagedChannel channel, long clusterId, int streams, Duration run)
            throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(streams);
        try {
            long end = System.nanoTime() + run.toNanos();
            List<Future<Long>> counts = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                counts.add(clients.submit(() -> {
                    long n = 0;
                    try (Stream stream = new Stream(channel, clusterId)) {
                        while (System.nanoTime() < end) {
                            stream.next();
                            n++;
                        }
                    }
                    return n;
                }));
            }
            long total = 0;
            for (Future<Long> c : counts) {
                total += c.get(run.toSeconds() + WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return total / (double) run.toSeconds();
        } finally {
            clients.shutdownNow();
        }
    }

    /** Mean time from a new channel to its first timestamp. */
    private static double connect(int port, long clusterId) throws Exception {
        long total = 0;
        for (int i = 0; i < CONNECTIONS; i++) {
            long start = System.nanoTime();
            ManagedChannel channel = channel(port);
            try (Stream stream = new Stream(channel, clusterId)) {
                stream.next();
                total += System.nanoTime() - start;
            } finally {
                channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
        return total / (double) CONNECTIONS / NANOS_PER_MICRO;
    }
}
