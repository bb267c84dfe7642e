package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * max_ts across a leader change, on three real stores: a snapshot read at {@code T} served by the
 * region's leader, then that leader's store stops; the new leader never saw the read, yet a 1PC
 * prewrite it commits (of a transaction that started before {@code T}) must land above {@code T},
 * because the new leadership syncs its max ts from TSO before it commits in one phase.
 */
class OnePcLeaderChangeTest {

    private static final int STORES = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private SchedulerServer scheduler;
    private final Map<Integer, StoreServer> stores = new LinkedHashMap<>();

    @AfterEach
    void stopAll() {
        stores.values().forEach(StoreServer::close);
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private void startCluster() throws Exception {
        scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
        stores.putAll(StoreStarts.withPeerPorts(scheduler.address(), dir, STORES));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static Kvrpcpb.Context context(RegionInfo region) {
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(region.region().getId())
                .setRegionEpoch(region.region().getRegionEpoch())
                .setPeer(region.leader())
                .build();
    }

    private StoreServer storeWithId(long storeId) {
        return stores.values().stream()
                .filter(s -> s.storeId() == storeId)
                .findFirst()
                .orElseThrow();
    }

    /**
     * The region fully replicated — {@code STORES} voters: a learner still catching up does not count,
     * since killing a voter of two voters and a learner leaves no quorum — with a leader on a store
     * still running (not {@code excludedStore}).
     */
    private Optional<RegionInfo> ledRegion(PdClient pd, long excludedStore) {
        return pd.getRegion(ByteString.EMPTY)
                .filter(r -> r.hasLeader()
                        && r.region().getPeersList().stream()
                                        .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                                        .count()
                                == STORES
                        && r.leader().getStoreId() != excludedStore);
    }

    @Test
    void aNewLeaderCommitsInOnePhaseAboveReadsTheOldLeaderServed() throws Exception {
        startCluster();
        try (PdClient pd = PdClient.connect(ClientConfig.of(List.of(scheduler.address())))) {
            long startTs = pd.getTimestamp();
            // The read, answered by the leader (retried while leadership settles).
            long[] readTs = new long[1];
            long oldLeaderStore = Await.value(
                    () -> {
                        Optional<RegionInfo> region = ledRegion(pd, 0);
                        if (region.isEmpty()) {
                            return Optional.<Long>empty();
                        }
                        readTs[0] = pd.getTimestamp();
                        Kvrpcpb.GetResponse got = call(
                                region.get().leader().getStoreId(),
                                stub -> stub.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                        .setContext(context(region.get()))
                                        .setKey(bytes("k"))
                                        .setVersion(readTs[0])
                                        .build()));
                        return got.hasRegionError()
                                ? Optional.empty()
                                : Optional.of(region.get().leader().getStoreId());
                    },
                    WAIT,
                    "a snapshot read served by the region's leader");

            int victim = stores.entrySet().stream()
                    .filter(e -> e.getValue().storeId() == oldLeaderStore)
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            stores.remove(victim).close();

            // The new leader: its first 1PC prewrites fall back to two phases while it syncs; each
            // attempt writes another key, so that a fallback's locks are in nobody's way.
            AtomicInteger attempt = new AtomicInteger();
            int[] fallbacks = new int[1];
            long[] newLeaderStore = new long[1];
            long commitTs = Await.value(
                    () -> {
                        Optional<RegionInfo> region = ledRegion(pd, oldLeaderStore);
                        if (region.isEmpty()) {
                            return Optional.<Long>empty();
                        }
                        ByteString key = bytes("onepc-" + attempt.incrementAndGet());
                        Kvrpcpb.PrewriteResponse r = call(
                                region.get().leader().getStoreId(),
                                stub -> stub.kvPrewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                                        .setContext(context(region.get()))
                                        .setPrimaryLock(key)
                                        .setStartVersion(startTs)
                                        .setLockTtl(3_000)
                                        .setTryOnePc(true)
                                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                                .setOp(Kvrpcpb.Op.Put)
                                                .setKey(key)
                                                .setValue(bytes("v")))
                                        .build()));
                        if (r.hasRegionError()) {
                            return Optional.empty();
                        }
                        assertThat(r.getErrorsList())
                                .as("prewrite of %s", key.toStringUtf8())
                                .isEmpty();
                        if (r.getOnePcCommitTs() == 0) {
                            fallbacks[0]++;
                            return Optional.empty();
                        }
                        newLeaderStore[0] = region.get().leader().getStoreId();
                        return Optional.of(r.getOnePcCommitTs());
                    },
                    WAIT,
                    "a 1PC commit by the new leader");

            // The leader change really happened: the new leader runs on another store.
            assertThat(newLeaderStore[0]).isNotEqualTo(oldLeaderStore);
            // Without the sync its max ts would know nothing of the read, and the commit ts would be
            // startTs + 1, below it. (Fallbacks while syncing: typically one; not asserted, a TSO
            // answering within microseconds would leave none.)
            assertThat(Long.compareUnsigned(commitTs, readTs[0]))
                    .as(
                            "1PC commit ts %d above the read at %d served by the old leader (%d fallbacks first)",
                            commitTs, readTs[0], fallbacks[0])
                    .isPositive();
        }
    }

    private <R> R call(long storeId, java.util.function.Function<TikvGrpc.TikvBlockingStub, R> rpc) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(
                        storeWithId(storeId).address())
                .usePlaintext()
                .build();
        try {
            return rpc.apply(
                    TikvGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }
}
