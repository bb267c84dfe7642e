package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.BatchSplitRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.SplitRequest;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.testkit.wait.Await;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vote request for a region that a split is creating on this store, arriving on a network thread
 * while the Raft thread starts the split's peer. The new region's peer on the old leader's store
 * campaigns the moment it applies the split, so on the other stores its vote request races their
 * own apply of the split. Before, the network thread could register an empty peer between the
 * Raft thread's look-up of the region and its register, and the register failed: the Raft thread
 * stopped and the store shut down (two of three stores went so while a cluster was split into 200
 * regions). Here a first contact for the new region (which creates an empty peer as a vote request
 * does) is delivered from inside that window every time: the store's clock, which the new peer
 * reads while it is being built, sends it.
 */
class SplitPeerCreationRaceTest {

    private static final long STORE_ID = 1;
    private static final long REGION_ID = 1;
    private static final long PEER_ID = 2;
    private static final long NEW_REGION_ID = 10;
    private static final long NEW_PEER_ID = 11;
    /** A peer of the new region on another store, reaching out to this store's. */
    private static final Metapb.Peer LEADER =
            Metapb.Peer.newBuilder().setId(12).setStoreId(2).build();

    private static final long CONTACT_TERM = 100;
    private static final int MAX_ROUNDS = 1_000;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aFirstContactRacingTheSplitThatCreatesItsPeerNeitherStopsTheStoreNorIsLost() throws Exception {
        Metapb.Region region = TestEngines.region(REGION_ID, PEER_ID, STORE_ID);
        AtomicLong nanos = new AtomicLong();
        AtomicReference<Thread> raftThread = new AtomicReference<>();
        AtomicBoolean networkPaused = new AtomicBoolean();
        AtomicBoolean raftInWindow = new AtomicBoolean();
        AtomicReference<Thread> network = new AtomicReference<>();
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(engines, 1, STORE_ID);
            RaftStore.bootstrapRegion(engines, region);
            // The interleaving that stopped stores, forced: the network thread has found neither a
            // peer nor a region state for the new region and builds an empty peer (reading the
            // clock) — it waits there until the Raft thread, having written the split, has looked
            // the region up and builds the split's peer (reading the clock too), or waits for the
            // network thread's lock. The Raft thread then waits until the network thread is done.
            LongSupplier clock = () -> {
                String thread = Thread.currentThread().getName();
                if (thread.equals("network") && networkPaused.compareAndSet(false, true)) {
                    Await.until(
                            () -> raftInWindow.get() || blockedOnTheStore(raftThread.get()),
                            DEADLINE,
                            "the Raft thread builds the split's peer or waits for the store's lock");
                } else if (thread.equals("raft")
                        && networkPaused.get()
                        && !raftInWindow.get()
                        && engines.kv()
                                        .getMessage(
                                                Cf.DEFAULT,
                                                Keys.regionStateKey(NEW_REGION_ID),
                                                RegionLocalState.parser())
                                != null) {
                    raftInWindow.set(true);
                    Await.until(
                            () -> network.get().getState() == Thread.State.TERMINATED,
                            DEADLINE,
                            "the network thread delivered its message");
                }
                return nanos.addAndGet(1_000);
            };
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread raft = Thread.ofPlatform().name("raft").unstarted(() -> {
                try {
                    RaftStore store = new RaftStore(
                            STORE_ID,
                            engines,
                            RaftstoreConfig.defaults(),
                            message -> {},
                            SchedulerReporter.NONE,
                            Runnable::run,
                            new SplittableRandom(7),
                            clock);
                    runRounds(store, () -> store.regionStatus(REGION_ID).leader(), "peer 2 leads region 1");
                    AtomicReference<CmdResult> split = new AtomicReference<>();
                    store.propose(batchSplit(store.regionStatus(REGION_ID).region()), new Callback(split::set));
                    Thread sender = Thread.ofPlatform().name("network").unstarted(() -> {
                        try {
                            store.onRaftMessage(firstContact());
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    });
                    network.set(sender);
                    sender.start();
                    Await.until(networkPaused::get, DEADLINE, "the network thread builds an empty peer");
                    runRounds(store, () -> split.get() != null, "the split is applied");
                    assertThat(split.get().isError())
                            .as("%s", split.get().response())
                            .isFalse();
                    assertThat(raftInWindow)
                            .as("the split was applied while the network thread created a peer")
                            .isTrue();
                    sender.join(DEADLINE.toMillis());
                    while (store.pollOnce()) {
                        // The first contact waits in the mailbox of the split's peer.
                    }
                    RaftStore.RegionStatus created = store.regionStatus(NEW_REGION_ID);
                    assertThat(created).as("the split's peer of region 10").isNotNull();
                    assertThat(created.peer().getId()).isEqualTo(NEW_PEER_ID);
                    assertThat(created.region().getStartKey().toStringUtf8()).isEqualTo("m");
                    // The first contact reached the split's peer: it follows the sender at its term.
                    assertThat(created.term()).isEqualTo(CONTACT_TERM);
                    assertThat(created.leaderId()).isEqualTo(LEADER.getId());
                    store.close();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            raftThread.set(raft);
            raft.start();
            raft.join(DEADLINE.multipliedBy(3).toMillis());
            assertThat(raft.isAlive()).as("the Raft thread finished").isFalse();
            assertThat(failure.get()).isNull();
        }
    }

    /** Whether {@code thread} waits to enter a monitor of a {@link RaftStore} (its creation lock). */
    private static boolean blockedOnTheStore(Thread thread) {
        if (thread == null) {
            return false;
        }
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.threadId());
        return info != null
                && info.getThreadState() == Thread.State.BLOCKED
                && info.getLockName() != null
                && info.getLockName().startsWith(RaftStore.class.getName() + "@");
    }

    /**
     * A leader's first contact, which creates an empty peer just as a vote request does; a heartbeat
     * rather than a vote request because the split's peer leads its one-peer region here and would
     * ignore a vote request in its lease, while a heartbeat's term shows that it arrived.
     */
    private static RaftMessage firstContact() {
        return RaftMessage.newBuilder()
                .setRegionId(NEW_REGION_ID)
                .setFromPeer(LEADER)
                .setToPeer(Metapb.Peer.newBuilder().setId(NEW_PEER_ID).setStoreId(STORE_ID))
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(2))
                .setMessage(io.tinykv.proto.Eraftpb.Message.newBuilder()
                        .setMsgType(MessageType.MsgHeartbeat)
                        .setFrom(LEADER.getId())
                        .setTo(NEW_PEER_ID)
                        .setTerm(CONTACT_TERM)
                        .setCommit(0))
                .build();
    }

    private static RaftCmdRequest batchSplit(Metapb.Region region) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION_ID)
                        .setPeer(region.getPeers(0))
                        .setRegionEpoch(region.getRegionEpoch()))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.BatchSplit)
                        .setSplits(BatchSplitRequest.newBuilder()
                                .addRequests(SplitRequest.newBuilder()
                                        .setSplitKey(ByteString.copyFromUtf8("m"))
                                        .setNewRegionId(NEW_REGION_ID)
                                        .addNewPeerIds(NEW_PEER_ID))))
                .build();
    }

    /** Ticks and polls the store until {@code done}; Raft thread. */
    private static void runRounds(RaftStore store, java.util.function.BooleanSupplier done, String what) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (done.getAsBoolean()) {
                return;
            }
            store.tick();
            while (store.pollOnce()) {
                // Drain: a round may leave work for the next.
            }
        }
        throw new AssertionError(what + " did not happen within " + MAX_ROUNDS + " rounds");
    }
}
