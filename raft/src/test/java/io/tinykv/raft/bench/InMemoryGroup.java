package io.tinykv.raft.bench;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.StateRole;
import io.tinykv.raft.sim.Bootstrap;
import io.tinykv.raft.sim.SimNode;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * A Raft group whose transport is a queue: every message is delivered, in order, as soon as the
 * sender's Ready is handled. Nothing else (no faults, no checks) so that it measures Raft itself:
 * propose, ready, persist into MemoryStorage, deliver, apply, advance.
 */
public final class InMemoryGroup {
    /** Compact every log once this many entries were applied since the last compaction, to bound memory. */
    static final long COMPACT_EVERY_ENTRIES = 10_000;

    private static final long COMPACTION_KEEP_ENTRIES = 100;
    private static final long SEED = 42;

    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private final SimNode leader;
    private long lastCompactionIndex;

    private InMemoryGroup(int size) {
        List<Long> voters = LongStream.rangeClosed(1, size).boxed().toList();
        for (long id : voters) {
            RaftConfig config = RaftConfig.builder(id).build();
            nodes.put(
                    id,
                    new SimNode(
                            config,
                            Bootstrap.storage(voters, List.of()),
                            (nodeId, incarnation) -> new SplittableRandom(SEED + nodeId)));
        }
        SimNode first = nodes.get(voters.get(0));
        first.raft().campaign();
        runUntilQuiet();
        if (first.role() != StateRole.LEADER) {
            throw new IllegalStateException("node " + first.id() + " did not win the uncontested election");
        }
        leader = first;
    }

    /** A group of {@code size} voters with node 1 elected and its first entry committed everywhere. */
    public static InMemoryGroup withLeader(int size) {
        return new InMemoryGroup(size);
    }

    /**
     * Proposes {@code count} entries to the leader before handling any Ready (so they travel together),
     * then runs the group until the leader has applied all of them. Returns the leader's applied index.
     */
    public long proposeAndCommit(ByteString payload, int count) {
        long target = leader.disk().lastIndex() + count;
        for (int i = 0; i < count; i++) {
            leader.raft().propose(payload);
        }
        while (leader.applied().appliedIndex() < target) {
            if (!step()) {
                throw new IllegalStateException("group went quiet at applied index "
                        + leader.applied().appliedIndex() + " before reaching " + target);
            }
        }
        maybeCompact();
        return leader.applied().appliedIndex();
    }

    /** Handles every pending Ready and delivers every queued message once; false when nothing happened. */
    private boolean step() {
        boolean progress = false;
        for (SimNode node : nodes.values()) {
            if (node.handleReady(wire::add) != null) {
                progress = true;
            }
        }
        Message m;
        while ((m = wire.poll()) != null) {
            nodes.get(m.getTo()).raft().step(m);
            progress = true;
        }
        return progress;
    }

    public void runUntilQuiet() {
        while (step()) {
            // keep going: each round may produce new Readys
        }
    }

    private void maybeCompact() {
        long applied = leader.applied().appliedIndex();
        if (applied - lastCompactionIndex < COMPACT_EVERY_ENTRIES) {
            return;
        }
        for (SimNode node : nodes.values()) {
            node.compact(COMPACTION_KEEP_ENTRIES);
        }
        lastCompactionIndex = applied;
    }

    public SimNode leader() {
        return leader;
    }

    public Iterable<SimNode> nodes() {
        return nodes.values();
    }
}
