package io.tinykv.raft;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/** Builders and shortcuts shared by the rule tests. */
final class RaftTestUtil {
    private RaftTestUtil() {}

    static final ByteString SOME_DATA = ByteString.copyFromUtf8("somedata");

    static MemoryStorage storageWithPeers(long... ids) {
        return MemoryStorage.withVoters(ids);
    }

    static MemoryStorage storageWithLearners(long[] voters, long[] learners) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long v : voters) {
            cs.addVoters(v);
        }
        for (long l : learners) {
            cs.addLearners(l);
        }
        return new MemoryStorage(cs.build());
    }

    static long[] ids(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
        }
        return ids;
    }

    static Raft newTestRaft(long id, int election, int heartbeat, MemoryStorage storage) {
        return newTestRaft(id, election, heartbeat, storage, b -> {});
    }

    static Raft newTestRaft(
            long id, int election, int heartbeat, MemoryStorage storage, Consumer<RaftConfig.Builder> tweak) {
        RaftConfig.Builder b = RaftConfig.builder(id).electionTicks(election).heartbeatTicks(heartbeat);
        tweak.accept(b);
        // Seeded per node: deterministic, yet different timeouts on different nodes.
        return new Raft(b.build(), storage, new Random(id * 7919L));
    }

    static Entry ent(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).build();
    }

    static Entry ent(long index, long term, String data) {
        return Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setData(ByteString.copyFromUtf8(data))
                .build();
    }

    static List<Entry> entsOfTerms(long... terms) {
        List<Entry> ents = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            ents.add(ent(i + 1, terms[i]));
        }
        return ents;
    }

    /** A raft without members whose storage holds entries of the given terms (index 1..n), at the last
     * term; {@link Network} gives it the network's members. */
    static Raft entsWithConfig(long id, Consumer<RaftConfig.Builder> tweak, long... terms) {
        MemoryStorage s = new MemoryStorage();
        s.append(entsOfTerms(terms));
        Raft r = newTestRaft(id, 5, 1, s, tweak);
        r.becomeFollower(terms[terms.length - 1], Raft.NONE);
        return r;
    }

    /** A raft that voted for {@code vote} in {@code term} and has no log. */
    static Raft votedWithConfig(long id, Consumer<RaftConfig.Builder> tweak, long vote, long term) {
        MemoryStorage s = new MemoryStorage();
        s.setHardState(HardState.newBuilder().setVote(vote).setTerm(term).build());
        Raft r = newTestRaft(id, 5, 1, s, tweak);
        r.becomeFollower(term, Raft.NONE);
        return r;
    }

    static Message.Builder msg(MessageType t, long from, long to) {
        return Message.newBuilder().setMsgType(t).setFrom(from).setTo(to);
    }

    static Message propose(long id, String data) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgPropose)
                .setFrom(id)
                .setTo(id)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8(data)))
                .build();
    }

    static Message hup(long id) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgHup)
                .setFrom(id)
                .setTo(id)
                .build();
    }

    static Message beat(long id) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgBeat)
                .setFrom(id)
                .setTo(id)
                .build();
    }

    /**
     * Takes the messages the node produced so far, as a round of the application would: the node's
     * own log counts as persisted (a leader counts itself toward commits from then on), and the
     * round's coalesced appends are built.
     */
    static List<Message> readMessages(Raft r) {
        r.onOwnEntriesPersisted(r.raftLog.lastIndex(), r.raftLog.lastTerm());
        r.flushPendingAppends();
        List<Message> out = new ArrayList<>(r.msgs);
        r.msgs.clear();
        return out;
    }

    /** The node's whole log is now persisted: a leader counts its own copy toward commits from here on. */
    static void persistOwnLog(Raft r) {
        r.onOwnEntriesPersisted(r.raftLog.lastIndex(), r.raftLog.lastTerm());
    }

    static void tickN(Raft r, int n) {
        for (int i = 0; i < n; i++) {
            r.tick();
        }
    }

    /** All entries the node's log holds (stable and unstable) from its first index. */
    static List<Entry> allEntries(Raft r) {
        return r.raftLog.entries(r.raftLog.firstIndex(), Entries.NO_LIMIT);
    }

    /** Persists what the node has unstable, as an application would before advancing. */
    static void persist(Raft r, MemoryStorage s) {
        List<Entry> unstable = r.raftLog.unstableEntries();
        if (!unstable.isEmpty()) {
            s.append(unstable);
            Entry last = unstable.get(unstable.size() - 1);
            r.raftLog.stableTo(last.getIndex(), last.getTerm());
        }
    }

    /**
     * Acknowledges every append in {@code msgs} to the leader {@code r}, as followers with matching
     * logs would.
     *
     * @return how many appends it acknowledged
     */
    static int ackAppends(Raft r, List<Message> msgs) {
        int acked = 0;
        for (Message m : msgs) {
            if (m.getMsgType() == MessageType.MsgAppend) {
                r.step(msg(MessageType.MsgAppendResponse, m.getTo(), 1)
                        .setTerm(m.getTerm())
                        .setIndex(m.getIndex() + m.getEntriesCount())
                        .build());
                acked++;
            }
        }
        return acked;
    }
}
