package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Delivers messages between in-process {@link Raft} instances until quiet, with cuts, drops and
 * ignored message types. Deterministic: drops use a seeded random. A "black hole" peer swallows
 * everything sent to it.
 */
final class Network {
    /** Marker for a peer that drops every message it receives. */
    static final Object BLACK_HOLE = new Object();

    private record Connection(long from, long to) {}

    final Map<Long, Raft> peers = new TreeMap<>();
    final Map<Long, MemoryStorage> storages = new HashMap<>();
    private final Set<Long> blackHoles = new HashSet<>();
    private final Map<Connection, Double> dropRates = new HashMap<>();
    private final Set<MessageType> ignored = new HashSet<>();
    private final Random random = new Random(42);
    /** Every message delivered (after filtering), for assertions about traffic. */
    final List<Message> delivered = new ArrayList<>();

    /**
     * Each argument is a {@link Raft} (used as is), null (a new node with id = position + 1 and all
     * positions as voters) or {@link #BLACK_HOLE}.
     */
    static Network of(Object... nodes) {
        return withConfig(b -> {}, nodes);
    }

    static Network withConfig(Consumer<RaftConfig.Builder> tweak, Object... nodes) {
        Network nw = new Network();
        long[] ids = RaftTestUtil.ids(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            long id = ids[i];
            Object n = nodes[i];
            if (n == null) {
                MemoryStorage s = RaftTestUtil.storageWithPeers(ids);
                nw.storages.put(id, s);
                nw.peers.put(id, RaftTestUtil.newTestRaft(id, 10, 1, s, tweak));
            } else if (n == BLACK_HOLE) {
                nw.blackHoles.add(id);
            } else if (n instanceof Raft r) {
                if (r.id != id) {
                    throw new IllegalArgumentException(
                            "raft at position " + i + " has id " + r.id + ", expected " + id);
                }
                if (r.prs.progress().isEmpty()) {
                    // A raft built without members joins this network's membership, all voters.
                    long next = r.raftLog.lastIndex() + 1;
                    for (long other : ids) {
                        r.prs.add(other, 0, next, false);
                    }
                }
                nw.peers.put(id, r);
            } else {
                throw new IllegalArgumentException("unexpected peer " + n);
            }
        }
        return nw;
    }

    Raft peer(long id) {
        return peers.get(id);
    }

    /** Steps the messages and everything they cause until no message is left. */
    void send(Message... msgs) {
        Deque<Message> queue = new ArrayDeque<>(List.of(msgs));
        while (!queue.isEmpty()) {
            Message m = queue.poll();
            Raft p = peers.get(m.getTo());
            if (p == null) {
                continue; // black hole or unknown
            }
            delivered.add(m);
            try {
                p.step(m);
            } catch (ProposalDroppedException e) {
                // the proposer would learn of it; in the network it is simply lost
            }
            queue.addAll(filter(RaftTestUtil.readMessages(p)));
        }
    }

    private List<Message> filter(List<Message> msgs) {
        List<Message> out = new ArrayList<>();
        for (Message m : msgs) {
            if (ignored.contains(m.getMsgType()) || blackHoles.contains(m.getTo())) {
                continue;
            }
            if (m.getMsgType() == MessageType.MsgHup) {
                throw new IllegalStateException("unexpected local message on the wire: " + m);
            }
            Double rate = dropRates.get(new Connection(m.getFrom(), m.getTo()));
            if (rate != null && random.nextDouble() < rate) {
                continue;
            }
            out.add(m);
        }
        return out;
    }

    void drop(long from, long to, double rate) {
        dropRates.put(new Connection(from, to), rate);
    }

    void cut(long a, long b) {
        drop(a, b, 2.0);
        drop(b, a, 2.0);
    }

    /** Cuts {@code id} off from every other node (both directions). */
    void isolate(long id) {
        for (long other : allIds()) {
            if (other != id) {
                cut(id, other);
            }
        }
    }

    void ignore(MessageType t) {
        ignored.add(t);
    }

    void recover() {
        dropRates.clear();
        ignored.clear();
    }

    private Set<Long> allIds() {
        Set<Long> all = new HashSet<>(peers.keySet());
        all.addAll(blackHoles);
        return all;
    }
}
