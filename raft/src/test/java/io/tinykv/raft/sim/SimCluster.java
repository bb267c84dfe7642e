package io.tinykv.raft.sim;

import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.ReadState;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raft.StateRole;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A group of {@link SimNode}s on a {@link SimNetwork}, driven in virtual time from one seed, with a
 * {@link SafetyChecker} looking at every Ready. It is mechanism only: which faults happen when is
 * decided by whoever drives it (see {@link RandomRun}).
 */
public final class SimCluster {
    /** Ready/deliver rounds per tick before giving up on reaching quiescence (message storms). */
    static final int MAX_PUMP_ROUNDS_PER_TICK = 64;

    private final long seed;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final SafetyChecker checker;
    private final LongFunction<RaftConfig> configForNode;
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final Trace trace;
    private final Set<Long> removedNodes = new HashSet<>();
    private long nowTicks;
    private int snapshotsInstalled;
    private int confChangesApplied;
    private int readsAnswered;

    /** Receives a line per event when tracing a replayed seed; disabled in bulk runs. */
    public interface Trace {
        Trace OFF = line -> {};

        void line(String text);

        default void event(Supplier<String> text) {
            if (this != OFF) {
                line(text.get());
            }
        }
    }

    public SimCluster(long seed, Collection<Long> voters, LongFunction<RaftConfig> configForNode, Trace trace) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.network = new SimNetwork(random.split());
        this.checker = new SafetyChecker(Bootstrap.DEFAULT_INDEX);
        this.configForNode = configForNode;
        this.trace = trace;
        for (long id : voters) {
            addNode(id, Bootstrap.storage(voters, List.of()));
        }
    }

    /** Adds a node with a brand-new empty disk: it knows no configuration until a leader sends a snapshot. */
    public SimNode addEmptyNode(long id) {
        return addNode(id, new MemoryStorage());
    }

    private SimNode addNode(long id, MemoryStorage disk) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " already exists");
        }
        SimNode node = new SimNode(
                configForNode.apply(id),
                disk,
                (nodeId, incarnation) -> new SplittableRandom(seed * 1_000_003L + nodeId * 7919L + incarnation));
        nodes.put(id, node);
        return node;
    }

    public long seed() {
        return seed;
    }

    /** The run's random source, for whoever decides what happens next. */
    public RandomGenerator random() {
        return random;
    }

    public long nowTicks() {
        return nowTicks;
    }

    public SimNetwork network() {
        return network;
    }

    public SafetyChecker checker() {
        return checker;
    }

    public Trace trace() {
        return trace;
    }

    public SimNode node(long id) {
        SimNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return node;
    }

    public Collection<SimNode> nodes() {
        return nodes.values();
    }

    public List<SimNode> upNodes() {
        List<SimNode> up = new ArrayList<>(nodes.size());
        for (SimNode node : nodes.values()) {
            if (node.isUp()) {
                up.add(node);
            }
        }
        return up;
    }

    /** The up node that believes it leads the highest term, if any. */
    public Optional<SimNode> leader() {
        SimNode best = null;
        for (SimNode node : nodes.values()) {
            if (node.isUp()
                    && node.role() == StateRole.LEADER
                    && (best == null
                            || node.durableHardState().getTerm()
                                    > best.durableHardState().getTerm())) {
                best = node;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Advances virtual time by one tick: the given nodes tick, then the cluster runs until quiet. */
    public void tick(Collection<SimNode> ticking) {
        nowTicks++;
        for (SimNode node : ticking) {
            if (node.isUp()) {
                node.raft().tick();
            }
        }
        pump();
    }

    /** Handles Readys and delivers due messages until nothing changes (or a storm bound is hit). */
    public void pump() {
        for (int round = 0; round < MAX_PUMP_ROUNDS_PER_TICK; round++) {
            boolean progress = false;
            for (SimNode node : nodes.values()) {
                if (node.hasReady()) {
                    handleReady(node);
                    progress = true;
                }
            }
            for (Message message : network.takeDue(nowTicks)) {
                SimNode to = nodes.get(message.getTo());
                boolean delivered = to != null && to.isUp();
                if (delivered) {
                    trace.event(() -> "t" + nowTicks + " deliver " + Describe.message(message));
                    to.raft().step(message);
                    progress = true;
                }
                if (message.getMsgType() == MessageType.MsgSnapshot) {
                    reportSnapshot(message, delivered ? SnapshotStatus.FINISH : SnapshotStatus.FAILURE);
                    progress = true;
                }
            }
            if (!progress) {
                return;
            }
        }
    }

    /**
     * Tells the sender how a snapshot transfer ended, as a real transport does; without it a leader
     * whose snapshot was lost would wait for that follower forever.
     */
    private void reportSnapshot(Message snapshot, SnapshotStatus status) {
        SimNode sender = nodes.get(snapshot.getFrom());
        if (sender != null && sender.isUp()) {
            trace.event(() -> "t" + nowTicks + " report snapshot to " + snapshot.getTo() + " " + status);
            sender.raft().reportSnapshot(snapshot.getTo(), status);
        }
    }

    private void handleReady(SimNode node) {
        long oldCommit = node.durableHardState().getCommit();
        List<Message> lostSnapshots = new ArrayList<>();
        Ready rd = node.handleReady(message -> {
            if (network.send(message, nowTicks) == 0 && message.getMsgType() == MessageType.MsgSnapshot) {
                lostSnapshots.add(message);
            }
        });
        lostSnapshots.forEach(m -> reportSnapshot(m, SnapshotStatus.FAILURE));
        trace.event(() -> "t" + nowTicks + " node " + node.id() + " " + Describe.readyOneLine(rd));
        afterReady(node, rd, oldCommit);
        if (rd.snapshot() != null) {
            snapshotsInstalled++;
        }
        readsAnswered += rd.readStates().size();
        for (Entry entry : rd.committedEntries()) {
            if (entry.getEntryType() == EntryType.EntryConfChange) {
                confChangesApplied++;
                ConfChange cc = SimNode.confChangeOf(entry);
                if (cc.getChangeType() == ConfChangeType.RemoveNode) {
                    removedNodes.add(cc.getNodeId());
                }
            }
        }
    }

    /** Nodes whose removal some node has applied (so it is committed); ids are never reused. */
    public Set<Long> removedNodes() {
        return Collections.unmodifiableSet(removedNodes);
    }

    public int snapshotsInstalled() {
        return snapshotsInstalled;
    }

    public int readsAnswered() {
        return readsAnswered;
    }

    public int confChangesApplied() {
        return confChangesApplied;
    }

    /** Runs every safety check a handled Ready calls for; public so other drivers (interaction tests) reuse it. */
    public static void afterReady(SafetyChecker checker, SimNode node, Ready rd, long oldCommit) {
        if (rd.snapshot() != null) {
            checker.checkSnapshot(node.id(), rd.snapshot());
        }
        if (!rd.entries().isEmpty()) {
            checker.checkLogMatching(node.id(), node.disk(), rd.entries());
        }
        HardState hs = node.durableHardState();
        checker.checkCommitted(node.id(), hs.getTerm(), node.disk(), oldCommit, hs.getCommit());
        if (node.role() == StateRole.LEADER) {
            checker.checkElectionSafety(node.id(), hs.getTerm());
            if (rd.softState() != null) {
                checker.checkLeaderCompleteness(node.id(), hs.getTerm(), node.disk());
            }
        }
        checker.checkApplied(node.id(), rd.committedEntries(), node.applied());
        for (ReadState readState : rd.readStates()) {
            checker.checkReadState(node.id(), readState);
        }
    }

    private void afterReady(SimNode node, Ready rd, long oldCommit) {
        afterReady(checker, node, rd, oldCommit);
    }

    public void crash(long id) {
        trace.event(() -> "t" + nowTicks + " crash node " + id);
        node(id).crash();
    }

    public void restart(long id) {
        SimNode node = node(id);
        HardState before = node.durableHardState();
        node.restart();
        trace.event(
                () -> "t" + nowTicks + " restart node " + id + " from " + Describe.hardState(node.durableHardState()));
        checker.checkRestart(id, before, node.raft().status().hardState());
    }
}
