package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.testkit.clock.RaftThreadGate;
import io.tinykv.testkit.wait.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of writes to one region of a real store whose Raft thread is held (as by a stalled
 * disk): the region's mailbox takes {@code raftstore.notify-capacity} of them, every other one is
 * answered {@code server_is_busy} at once, naming the region and the bound. The store stays up;
 * once Raft runs again the queued writes are all applied, the refused ones never are, the metric
 * counts each refusal, and a client that met the refusal backed off and got its write in.
 */
class MailboxFloodTest {

    private static final int CAPACITY = 8;
    private static final int EXTRA = 24;
    /** Long enough that no queued write times out while the test holds Raft. */
    private static final long COMMAND_TIMEOUT_MILLIS = 120_000;

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REFUSED_METRIC = "tinykv_raft_commands_refused_busy_total";

    @TempDir
    Path dir;

    @Test
    void aFloodBeyondTheMailboxBoundIsAnsweredServerIsBusyAndTheStoreKeepsItsData() throws Exception {
        RaftThreadGate gate = new RaftThreadGate();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try (FakeScheduler pd = new FakeScheduler(7);
                StoreServer server = StoreServer.start(config(pd.address()), gate, new java.util.Random(1));
                RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(pd.address())))) {
            client.put(bytes("warm-up"), bytes("v")); // a leader is elected and serves
            Metapb.Region region = pd.region();
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.address())
                    .usePlaintext()
                    .build();
            try {
                TikvGrpc.TikvFutureStub tikv = TikvGrpc.newFutureStub(channel);
                gate.holdRaftThread(WAIT);
                List<ListenableFuture<Kvrpcpb.RawPutResponse>> puts = new ArrayList<>();
                for (int i = 0; i < CAPACITY + EXTRA; i++) {
                    puts.add(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                            .setContext(context(region))
                            .setKey(key(i))
                            .setValue(bytes("v" + i))
                            .build()));
                }
                // Raft is held: only the refusals can come back, and they come back at once.
                Await.until(
                        () -> puts.stream().filter(ListenableFuture::isDone).count() == EXTRA,
                        WAIT,
                        "the writes beyond the bound answered");
                List<Integer> refused = new ArrayList<>();
                for (int i = 0; i < puts.size(); i++) {
                    if (puts.get(i).isDone()) {
                        refused.add(i);
                        Kvrpcpb.RawPutResponse busy = puts.get(i).get();
                        assertThat(busy.getRegionError().hasServerIsBusy())
                                .as("write %d: %s", i, busy)
                                .isTrue();
                        assertThat(busy.getRegionError().getServerIsBusy().getReason())
                                .contains("region " + region.getId())
                                .contains(Integer.toString(CAPACITY))
                                .contains("notify-capacity");
                    }
                }
                assertThat(metric(server, REFUSED_METRIC)).isEqualTo(EXTRA);

                // Our client meets the same refusal, backs off and retries until Raft runs again.
                CompletableFuture<Void> retried =
                        CompletableFuture.runAsync(() -> client.put(bytes("retried"), bytes("r")), background);
                Await.until(() -> metric(server, REFUSED_METRIC) > EXTRA, WAIT, "the client's write refused");
                assertThat(retried).isNotDone();
                gate.release();

                for (int i = 0; i < puts.size(); i++) {
                    Kvrpcpb.RawPutResponse answer = puts.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    if (!refused.contains(i)) {
                        assertThat(answer.hasRegionError())
                                .as("queued write %d: %s", i, answer)
                                .isFalse();
                        assertThat(answer.getError()).as("queued write %d", i).isEmpty();
                    }
                }
                retried.get(WAIT.toSeconds(), TimeUnit.SECONDS);

                assertThat(HealthGrpc.newBlockingStub(channel)
                                .check(HealthCheckRequest.getDefaultInstance())
                                .getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                for (int i = 0; i < puts.size(); i++) {
                    if (refused.contains(i)) {
                        assertThat(client.get(key(i)))
                                .as("refused write %d never applied", i)
                                .isEmpty();
                    } else {
                        assertThat(client.get(key(i)))
                                .as("queued write %d applied", i)
                                .contains(bytes("v" + i));
                    }
                }
                assertThat(client.get(bytes("retried"))).contains(bytes("r"));
                assertThat(client.get(bytes("warm-up"))).contains(bytes("v"));
            } finally {
                gate.release();
                channel.shutdownNow();
            }
        } finally {
            gate.release();
            background.shutdownNow();
        }
    }

    private StoreServerConfig config(String pdAddress) {
        StoreServerConfig base = TestConfigs.store(pdAddress, dir.resolve("store"));
        StoreServerConfig.Store s = base.store();
        return base.withStore(new StoreServerConfig.Store(
                        s.pdEndpoints(),
                        s.tickIntervalMillis(),
                        s.electionTicks(),
                        s.heartbeatTicks(),
                        s.regionHeartbeatTicks(),
                        s.storeHeartbeatTicks(),
                        s.raftLogGcCountLimit(),
                        COMMAND_TIMEOUT_MILLIS,
                        s.schedulerTimeoutMillis(),
                        s.schedulerMaxBackoffMillis(),
                        s.heartbeatQueueCapacity()))
                .withRaftstore(base.raftstore().withNotifyCapacity(CAPACITY))
                .validate();
    }

    private static Kvrpcpb.Context context(Metapb.Region region) {
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(region.getId())
                .setRegionEpoch(region.getRegionEpoch())
                .setPeer(region.getPeers(0))
                .build();
    }

    private static ByteString key(int i) {
        return bytes(String.format("flood-%03d", i));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** A counter's value as the store's status port shows it now (0 when not there yet). */
    private static long metric(StoreServer server, String name) {
        try {
            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.statusPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return body.lines()
                    .filter(l -> l.startsWith(name + " "))
                    .mapToLong(l -> (long)
                            Double.parseDouble(l.substring(name.length() + 1).trim()))
                    .findFirst()
                    .orElse(0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
