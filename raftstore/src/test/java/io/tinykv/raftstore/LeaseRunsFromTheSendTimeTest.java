package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.GetRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.read.LeaderLease;
import io.tinykv.raftstore.read.ReadStats;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader lease runs from the time its confirming round was SENT, never from when the
 * acknowledgements came back ({@link LeaderLease}): the followers' promise not to vote for anyone
 * else starts when they hear the leader, which may be long before the leader hears them back.
 *
 * <p>Three stores driven by hand, with the clock and the network in the test's hands: a read at
 * time T asks for a read index, its heartbeats are held while the leader's clock runs on, then
 * delivered. The lease that read renews must end at exactly T + maxLease: a read a nanosecond
 * earlier is answered from the lease at once, a read at T + maxLease goes through a ReadIndex round.
 */
class LeaseRunsFromTheSendTimeTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3);
    private static final long CLUSTER_ID = 1;
    private static final int MAX_ELECTION_ROUNDS = 200;
    /** How many ticks the acknowledgements of the confirming round are held back. */
    private static final int HELD_TICKS = 3;

    @TempDir
    Path dir;

    private final Map<Long, Engines> engines = new TreeMap<>();
    private final Map<Long, RaftStore> stores = new TreeMap<>();
    private final Deque<RaftMessage> inFlight = new ArrayDeque<>();
    private final RaftstoreConfig config = RaftstoreConfig.defaults();
    private final long tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickIntervalMs());
    private final long maxLeaseNanos = TimeUnit.MILLISECONDS.toNanos(config.maxLeaseMs());
    /** The stores' monotonic clock. */
    private long nowNanos = 1_000;

    @AfterEach
    void close() {
        stores.values().forEach(RaftStore::close);
        engines.values().forEach(Engines::close);
    }

    private void start() {
        for (Metapb.Peer peer : REGION.getPeersList()) {
            long storeId = peer.getStoreId();
            Engines e = TestEngines.open(dir.resolve("store-" + storeId));
            RaftStore.bootstrapStore(e, CLUSTER_ID, storeId);
            RaftStore.bootstrapRegion(e, REGION);
            engines.put(storeId, e);
            stores.put(
                    storeId,
                    new RaftStore(
                            storeId,
                            e,
                            config,
                            inFlight::addLast,
                            SchedulerReporter.NONE,
                            Runnable::run,
                            new SplittableRandom(storeId),
                            () -> nowNanos));
        }
    }

    /** Polls every store and delivers every message until nothing moves. */
    private void settle() {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (RaftStore store : stores.values()) {
                while (store.hasWork()) {
                    moved |= store.pollOnce();
                }
            }
            for (RaftMessage m; (m = inFlight.pollFirst()) != null; ) {
                stores.get(m.getToPeer().getStoreId()).onRaftMessage(m);
                moved = true;
            }
        }
    }

    private void tickAll() {
        nowNanos += tickNanos;
        stores.values().forEach(RaftStore::tick);
        settle();
    }

    /** Ticks the store and runs its rounds; what it sends stays in flight. */
    private void tickAlone(long storeId) {
        RaftStore store = stores.get(storeId);
        nowNanos += tickNanos;
        store.tick();
        while (store.hasWork()) {
            store.pollOnce();
        }
    }

    /** Ticks everyone until a leader has applied an entry of its term; returns its store. */
    private long electLeader() {
        for (int round = 0; round < MAX_ELECTION_ROUNDS; round++) {
            tickAll();
            for (var entry : stores.entrySet()) {
                RaftStore.RegionStatus status = entry.getValue().regionStatus(REGION.getId());
                if (status.leader()
                        && status.appliedIndex() == status.lastIndex()
                        && status.appliedIndex() > PeerStorage.RAFT_INIT_LOG_INDEX) {
                    return entry.getKey();
                }
            }
        }
        throw new AssertionError("no leader after " + MAX_ELECTION_ROUNDS + " rounds");
    }

    /** Hands a Get to the store and runs its rounds alone; returns the answer if it came at once. */
    private AtomicReference<CmdResult> read(long storeId) {
        Metapb.Peer peer = REGION.getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst()
                .orElseThrow();
        RaftCmdRequest get = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(peer)
                        .setRegionEpoch(REGION.getRegionEpoch()))
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Get)
                        .setGet(GetRequest.newBuilder().setCf("default").setKey(ByteString.copyFromUtf8("k"))))
                .build();
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        RaftStore store = stores.get(storeId);
        store.propose(get, new Callback(answer::set));
        while (store.hasWork()) {
            store.pollOnce();
        }
        return answer;
    }

    @Test
    void aLeaseRenewedByLateAcknowledgementsEndsMaxLeaseAfterTheRoundWasSent() {
        start();
        long leader = electLeader();
        // No proposals for longer than a lease: whatever lease the election left has run out.
        for (long t = 0; t <= maxLeaseNanos / tickNanos; t++) {
            tickAll();
        }

        long sentAt = nowNanos;
        AtomicReference<CmdResult> first = read(leader); // a ReadIndex round goes out
        assertThat(first.get())
                .as("without a lease the read waits for its ReadIndex round")
                .isNull();
        for (int t = 0; t < HELD_TICKS; t++) {
            tickAlone(leader); // the followers' answers are late
        }
        settle();
        assertThat(first.get())
                .as("answered once a quorum confirmed the read index")
                .isNotNull();
        assertThat(first.get().isError()).isFalse();

        AtomicReference<CmdResult> byLease = read(leader);
        assertThat(byLease.get())
                .as("the round renewed the lease: answered at once")
                .isNotNull();
        settle();

        nowNanos = sentAt + maxLeaseNanos - 1;
        AtomicReference<CmdResult> lastByLease = read(leader); // also sends a renewal round, held
        assertThat(lastByLease.get()).as("a nanosecond before the lease ends").isNotNull();
        nowNanos = sentAt + maxLeaseNanos;
        AtomicReference<CmdResult> afterLease = read(leader);
        assertThat(afterLease.get())
                .as("the lease ended maxLease after the round was sent")
                .isNull();
        settle();
        assertThat(afterLease.get()).as("answered by ReadIndex instead").isNotNull();
        assertThat(stores.get(leader).readStats(REGION.getId())).isEqualTo(new ReadStats(2, 2));
    }
}
