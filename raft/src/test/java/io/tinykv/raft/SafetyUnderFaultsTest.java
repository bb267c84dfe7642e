package io.tinykv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The paper's safety properties (§5.2 election safety, §5.4.3 state machine safety) under message
 * loss, reordering, partitions and log compaction, for a few fixed seeds, through the RawNode API.
 * (The harness's simulator explores far more schedules; this is the rule tests' own cross-check.)
 */
class SafetyUnderFaultsTest {

    private static final int NODES = 5;
    private static final int STEPS = 4000;
    private static final int COMPACT_LAG_ENTRIES = 15;

    private static final class Node {
        final long id;
        final MemoryStorage storage;
        final RawNode raw;
        final List<Entry> applied = new ArrayList<>();
        long appliedIndex;

        Node(long id, RaftConfig cfg, long[] ids, Random random) {
            this.id = id;
            this.storage = MemoryStorage.withVoters(ids);
            this.raw = new RawNode(cfg, storage, random);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void safetyHoldsUnderFaults(long seed) {
        Random rnd = new Random(seed);
        boolean checkQuorum = seed % 2 == 0;
        boolean preVote = seed % 3 != 0;
        long[] ids = RaftTestUtil.ids(NODES);
        Map<Long, Node> nodes = new HashMap<>();
        for (long id : ids) {
            RaftConfig cfg = RaftConfig.builder(id)
                    .electionTicks(10)
                    .heartbeatTicks(2)
                    .checkQuorum(checkQuorum)
                    .preVote(preVote)
                    .maxInflightMsgs(4)
                    .maxSizePerMsgBytes(200)
                    .build();
            nodes.put(id, new Node(id, cfg, ids, new Random(seed * 31 + id)));
        }
        List<Message> inFlight = new ArrayList<>();
        Map<Long, Long> leaderOfTerm = new HashMap<>();
        Set<Long> partitioned = new HashSet<>();
        int proposals = 0;

        for (int step = 0; step < STEPS; step++) {
            int action = rnd.nextInt(100);
            if (action < 30) {
                nodes.get(ids[rnd.nextInt(NODES)]).raw.tick();
            } else if (action < 80 && !inFlight.isEmpty()) {
                Message m = inFlight.remove(rnd.nextInt(inFlight.size())); // reordering
                boolean cut = partitioned.contains(m.getFrom()) != partitioned.contains(m.getTo());
                if (!cut && rnd.nextInt(100) >= 10) { // 10% loss
                    Node to = nodes.get(m.getTo());
                    to.raw.step(m);
                    if (m.getMsgType() == MessageType.MsgSnapshot) {
                        nodes.get(m.getFrom()).raw.reportSnapshot(m.getTo(), SnapshotStatus.FINISH);
                    }
                } else if (m.getMsgType() == MessageType.MsgSnapshot) {
                    nodes.get(m.getFrom()).raw.reportSnapshot(m.getTo(), SnapshotStatus.FAILURE);
                }
            } else if (action < 90) {
                try {
                    nodes.get(ids[rnd.nextInt(NODES)]).raw.propose(ByteString.copyFromUtf8("p" + proposals++));
                } catch (ProposalDroppedException e) {
                    // expected without a leader or during transfers
                }
            } else if (action < 92) {
                partitioned.clear();
                for (long id : ids) {
                    if (rnd.nextInt(3) == 0) {
                        partitioned.add(id);
                    }
                }
            } else if (action < 93) {
                nodes.get(ids[rnd.nextInt(NODES)]).raw.transferLeader(ids[rnd.nextInt(NODES)]);
            } else if (action < 95) {
                partitioned.clear();
            }
            for (long id : ids) {
                process(nodes.get(id), inFlight);
            }
            checkInvariants(nodes, leaderOfTerm);
        }

        // Heal and let the cluster converge: every node applies the same entries.
        partitioned.clear();
        for (int round = 0; round < 400 && !converged(nodes); round++) {
            for (long id : ids) {
                nodes.get(id).raw.tick();
            }
            while (!inFlight.isEmpty()) {
                Message m = inFlight.remove(0);
                nodes.get(m.getTo()).raw.step(m);
                if (m.getMsgType() == MessageType.MsgSnapshot) {
                    nodes.get(m.getFrom()).raw.reportSnapshot(m.getTo(), SnapshotStatus.FINISH);
                }
                for (long id : ids) {
                    process(nodes.get(id), inFlight);
                }
            }
            for (long id : ids) {
                process(nodes.get(id), inFlight);
            }
            checkInvariants(nodes, leaderOfTerm);
        }
        assertThat(converged(nodes))
                .as("cluster converged after healing (seed %d)", seed)
                .isTrue();
        assertThat(nodes.get(1L).appliedIndex).as("progress was made").isGreaterThan(10);
    }

    private static boolean converged(Map<Long, Node> nodes) {
        long leaders = nodes.values().stream()
                .filter(n -> n.raw.status().softState().role() == StateRole.LEADER)
                .count();
        Set<Long> appliedIdx = new HashSet<>();
        for (Node n : nodes.values()) {
            appliedIdx.add(n.appliedIndex);
        }
        return leaders == 1 && appliedIdx.size() == 1;
    }

    /** The application loop for one node, including compaction behind the applied index. */
    private static void process(Node n, List<Message> inFlight) {
        while (n.raw.hasReady()) {
            Ready rd = n.raw.ready();
            if (rd.snapshot() != null) {
                n.storage.applySnapshot(rd.snapshot());
                n.appliedIndex = rd.snapshot().getMetadata().getIndex();
                // The state machine jumps: keep our applied history only as far as the snapshot reaches.
                n.applied.removeIf(e -> e.getIndex() > n.appliedIndex);
            }
            if (rd.hardState() != null) {
                n.storage.setHardState(rd.hardState());
            }
            n.storage.append(rd.entries());
            inFlight.addAll(rd.messagesBeforePersist());
            inFlight.addAll(rd.messages());
            for (Entry e : rd.committedEntries()) {
                assertThat(e.getIndex()).as("applied in order at %d", n.id).isEqualTo(n.appliedIndex + 1);
                n.applied.add(e);
                n.appliedIndex = e.getIndex();
                if (e.getEntryType() == EntryType.EntryConfChange) {
                    try {
                        n.raw.applyConfChange(ConfChange.parseFrom(e.getData()));
                    } catch (InvalidProtocolBufferException ex) {
                        throw new AssertionError(ex);
                    }
                }
            }
            n.raw.advance(rd);
            if (n.appliedIndex - n.storage.firstIndex() > COMPACT_LAG_ENTRIES) {
                long at = n.appliedIndex - COMPACT_LAG_ENTRIES / 2;
                n.storage.createSnapshot(at, null, ByteString.copyFromUtf8("state@" + at));
                n.storage.compact(at);
            }
        }
    }

    private static void checkInvariants(Map<Long, Node> nodes, Map<Long, Long> leaderOfTerm) {
        for (Node n : nodes.values()) {
            Status st = n.raw.status();
            if (st.softState().role() == StateRole.LEADER) {
                Long prev = leaderOfTerm.putIfAbsent(st.hardState().getTerm(), n.id);
                assertThat(prev == null || prev == n.id)
                        .as(
                                "election safety: two leaders in term %d (%s and %d)",
                                st.hardState().getTerm(), prev, n.id)
                        .isTrue();
            }
        }
        // State machine safety: nodes never apply different entries at the same index.
        Map<Long, Entry> byIndex = new HashMap<>();
        for (Node n : nodes.values()) {
            for (Entry e : n.applied) {
                Entry other = byIndex.putIfAbsent(e.getIndex(), e);
                if (other != null) {
                    assertThat(e)
                            .as("state machine safety at index %d", e.getIndex())
                            .isEqualTo(other);
                }
            }
        }
    }
}
