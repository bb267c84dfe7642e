package io.tinykv.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.server.playground.JavaCommand;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.mvcc.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 5's worst requests against a store started as a real process with a small heap
 * ({@value #HEAP}, {@code -XX:+ExitOnOutOfMemoryError} as the launcher gives it): a RawBatchGet of
 * 10,000 copies of a key holding 7 MiB, sent by many clients at once; batch gets and scans whose
 * answers would be tens of MiB, raw and transactional; a request of millions of one-byte keys.
 * The store must answer every one (a value, {@code server_is_busy}, or an error naming the limit)
 * and still be alive, serving its data, at the end. It found that a request of many one-byte keys
 * took such a store down while being parsed ({@link RepeatedFieldGuard}).
 */
class SmallHeapStoreTest {

    private static final String HEAP = "-Xmx256m";
    private static final int VALUE_BYTES = 7 * 1024 * 1024;
    private static final int BIG_VALUES = 3;
    private static final int COPIES = 10_000;
    private static final int CONCURRENT_CLIENTS = 16;
    /** Admitted at once in this test (the default is far higher; the heap is sized with it). */
    private static final int MAX_CONCURRENT_REQUESTS = 4;
    /** Rounds of the worst requests; {@code -Dtinykv.memory.rounds=N} sends more. */
    private static final int ROUNDS = Integer.getInteger("tinykv.memory.rounds", 1);

    private static final Duration START_WAIT = Duration.ofMinutes(2);
    private static final long CALL_DEADLINE_SECONDS = 60;

    @TempDir
    Path dir;

    private SchedulerServer scheduler;
    private Process store;
    private ManagedChannel channel;
    private Path log;

    @BeforeEach
    void start() throws Exception {
        scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
        Path config = dir.resolve("store.toml");
        Files.writeString(config, "[limits]\nmax-concurrent-requests = " + MAX_CONCURRENT_REQUESTS + "\n");
        Path ready = dir.resolve("store.ready");
        log = dir.resolve("store.log");
        List<String> command = JavaCommand.ofCurrentJvm(List.of(HEAP))
                .command(
                        "io.tinykv.server.Main",
                        List.of(
                                "server",
                                "--pd",
                                scheduler.address(),
                                "--addr",
                                "127.0.0.1:0",
                                "--status-addr",
                                "",
                                "--data-dir",
                                dir.resolve("store").toString(),
                                "--ready-file",
                                ready.toString(),
                                "--config",
                                config.toString()));
        assertThat(command).contains(JavaCommand.EXIT_ON_OUT_OF_MEMORY);
        store = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Map<String, String> addresses = Await.value(
                () -> {
                    assertThat(store.isAlive())
                            .as("the store runs; its log:\n%s", logText())
                            .isTrue();
                    try {
                        return ReadyFile.read(ready);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                START_WAIT,
                "the store's ready file");
        channel = NettyChannelBuilder.forTarget(addresses.get(ReadyFile.ADDR))
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (store != null) {
            store.destroyForcibly();
            store.waitFor(30, TimeUnit.SECONDS);
        }
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Test
    void theWorstRequestsOfItemFiveAreAnsweredAndTheStoreSurvives() throws Exception {
        Kvrpcpb.Context ctx = leaderContext();
        // Fresh timestamps, not small constants: the scheduler moves the GC safe point to now minus
        // gc-life-time, and once the store has learned it a prewrite at ts 10 is refused (seen loaded).
        long firstStart = Timestamps.compose(System.currentTimeMillis(), 0);
        for (int i = 0; i < BIG_VALUES; i++) {
            Kvrpcpb.RawPutResponse put = tikv().rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                    .setContext(ctx)
                    .setKey(key("big-", i))
                    .setValue(value(i))
                    .build());
            assertThat(put.hasRegionError() || !put.getError().isEmpty())
                    .as(put.toString())
                    .isFalse();
            long start = firstStart + 2L * i;
            Kvrpcpb.PrewriteResponse prewrite = tikv().kvPrewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                    .setContext(ctx)
                    .setPrimaryLock(key("t-", i))
                    .setStartVersion(start)
                    .setLockTtl(60_000)
                    .addMutations(Kvrpcpb.Mutation.newBuilder()
                            .setOp(Kvrpcpb.Op.Put)
                            .setKey(key("t-", i))
                            .setValue(value(i)))
                    .build());
            assertThat(prewrite.hasRegionError() || prewrite.getErrorsCount() > 0)
                    .as(prewrite.toString())
                    .isFalse();
            Kvrpcpb.CommitResponse commit = tikv().kvCommit(Kvrpcpb.CommitRequest.newBuilder()
                    .setContext(ctx)
                    .setStartVersion(start)
                    .setCommitVersion(start + 1)
                    .addKeys(key("t-", i))
                    .build());
            assertThat(commit.hasRegionError() || commit.hasError())
                    .as(commit.toString())
                    .isFalse();
        }

        // Above every commit, and like them fresh (above the GC safe point).
        long readTs = firstStart + 2L * BIG_VALUES;
        int answered = 0;
        int busy = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // 10,000 copies of a 7 MiB key, from many clients at once: read once per request, and
            // requests beyond the limit are turned away before they are read.
            Kvrpcpb.RawBatchGetRequest copies = Kvrpcpb.RawBatchGetRequest.newBuilder()
                    .setContext(ctx)
                    .addAllKeys(Collections.nCopies(COPIES, key("big-", 0)))
                    .build();
            List<ListenableFuture<Kvrpcpb.RawBatchGetResponse>> calls = new ArrayList<>();
            for (int c = 0; c < CONCURRENT_CLIENTS; c++) {
                calls.add(TikvGrpc.newFutureStub(channel)
                        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                        .rawBatchGet(copies));
            }
            for (ListenableFuture<Kvrpcpb.RawBatchGetResponse> call : calls) {
                Kvrpcpb.RawBatchGetResponse resp = call.get(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
                if (resp.getRegionError().hasServerIsBusy()) {
                    busy++;
                } else {
                    assertThat(resp.getPairsList())
                            .singleElement()
                            .satisfies(p -> assertThat(p.getValue()).isEqualTo(value(0)));
                    answered++;
                }
            }

            Kvrpcpb.RawBatchGetRequest.Builder allBig =
                    Kvrpcpb.RawBatchGetRequest.newBuilder().setContext(ctx);
            Kvrpcpb.BatchGetRequest.Builder allTxn =
                    Kvrpcpb.BatchGetRequest.newBuilder().setContext(ctx).setVersion(readTs);
            for (int i = 0; i < BIG_VALUES; i++) {
                allBig.addKeys(key("big-", i));
                allTxn.addKeys(key("t-", i));
            }
            assertTooLarge(() -> tikv().rawBatchGet(allBig.build()));
            assertTooLarge(() -> tikv().rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                    .setContext(ctx)
                    .setLimit(10_240)
                    .build()));
            assertTooLarge(() -> tikv().kvBatchGet(allTxn.build()));
            assertTooLarge(() -> tikv().kvScan(Kvrpcpb.ScanRequest.newBuilder()
                    .setContext(ctx)
                    .setLimit(10_240)
                    .setVersion(readTs)
                    .build()));

            // Millions of one-byte keys, just under the message limit.
            Kvrpcpb.RawBatchGetRequest.Builder many =
                    Kvrpcpb.RawBatchGetRequest.newBuilder().setContext(ctx);
            ByteString oneByte = ByteString.copyFrom(new byte[] {'x'});
            int keys = (16 * 1024 * 1024 - 1024) / 3;
            for (int i = 0; i < keys; i++) {
                many.addKeys(oneByte);
            }
            assertThatThrownBy(() -> tikv().rawBatchGet(many.build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode())
                                    .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED));
        }

        assertThat(answered).as("the 7 MiB value was served").isPositive();
        assertThat(busy).as("clients beyond the limit were turned away").isPositive();
        assertThat(store.isAlive())
                .as("the store survived; its log:\n%s", logText())
                .isTrue();
        Kvrpcpb.RawGetResponse after = tikv().rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                .setContext(ctx)
                .setKey(key("big-", BIG_VALUES - 1))
                .build());
        assertThat(after.getValue()).isEqualTo(value(BIG_VALUES - 1));
        System.out.println("small heap store: " + answered + " answered, " + busy + " busy over " + ROUNDS
                + " rounds of " + CONCURRENT_CLIENTS + " clients");
    }

    /** A stub whose deadline counts from now (a stub's deadline is fixed when it is made). */
    private TikvGrpc.TikvBlockingStub tikv() {
        return TikvGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private static void assertTooLarge(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("limits.max-response-size");
        });
    }

    /** The context of the store's only region, once it has a leader that takes writes. */
    private Kvrpcpb.Context leaderContext() {
        ManagedChannel pdChannel = NettyChannelBuilder.forTarget(scheduler.address())
                .usePlaintext()
                .build();
        try {
            return Await.value(
                    () -> {
                        assertThat(store.isAlive())
                                .as("the store runs; its log:\n%s", logText())
                                .isTrue();
                        Pdpb.GetRegionResponse region = PDGrpc.newBlockingStub(pdChannel)
                                .getRegion(Pdpb.GetRegionRequest.newBuilder()
                                        .setHeader(
                                                Pdpb.RequestHeader.newBuilder().setClusterId(scheduler.clusterId()))
                                        .setRegionKey(ByteString.EMPTY)
                                        .build());
                        if (!region.hasRegion() || region.getRegion().getPeersCount() == 0) {
                            return Optional.empty();
                        }
                        Kvrpcpb.Context ctx = Kvrpcpb.Context.newBuilder()
                                .setRegionId(region.getRegion().getId())
                                .setRegionEpoch(region.getRegion().getRegionEpoch())
                                .setPeer(region.getRegion().getPeers(0))
                                .build();
                        Kvrpcpb.RawPutResponse probe = TikvGrpc.newBlockingStub(channel)
                                .rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                        .setContext(ctx)
                                        .setKey(ByteString.copyFromUtf8("probe"))
                                        .build());
                        return probe.hasRegionError() ? Optional.empty() : Optional.of(ctx);
                    },
                    START_WAIT,
                    "a leader for the store's region");
        } finally {
            pdChannel.shutdownNow();
        }
    }

    private static ByteString key(String prefix, int i) {
        return ByteString.copyFromUtf8(prefix + i);
    }

    private static ByteString value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        Arrays.fill(v, (byte) ('a' + i));
        return ByteString.copyFrom(v);
    }

    private String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
