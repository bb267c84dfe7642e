package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftLocalState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §6: what a message promises is durable in the sender's raft engine before the message
 * leaves. Checked at the moment of sending (the network's filters see every message then): an
 * acknowledgement of index i comes from a store whose persisted log reaches i, a granted vote from
 * a store whose persisted hard state records it. A leader's append promises nothing about its own
 * disk — it leaves before the leader's fsync (Raft thesis §10.2.1) — but the commit index it
 * carries must be durable on a quorum: the leader counts itself only once persisted. A crash in
 * the simulator keeps every synced raft-engine write, so only this check sees a store that sends
 * first and writes afterwards.
 */
class DurableBeforeSendSimTest {

    private static final long SEED = 3;
    private static final int STORES = 3;
    private static final int PUTS = 30;
    private static final long TIMEOUT_MS = 20_000;

    /** Every message sent is checked against its sender's raft engine; violations are collected. */
    private static final class DurabilityCheck implements SimNetwork.Filter {
        private final SimCluster cluster;
        final List<String> violations = new ArrayList<>();
        long appendsChecked;
        /** Appends that left before their last entry was in the leader's raft engine. */
        long appendsBeforeLeaderPersisted;

        long acksChecked;
        long votesChecked;

        DurabilityCheck(SimCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public boolean allows(long fromStore, long toStore, RaftMessage message) {
            Eraftpb.Message m = message.getMessage();
            Engines engines = cluster.store(fromStore).raftStore().engines();
            long regionId = message.getRegionId();
            if (m.getMsgType() == MessageType.MsgAppend && m.getEntriesCount() > 0) {
                Eraftpb.Entry last = m.getEntries(m.getEntriesCount() - 1);
                Eraftpb.Entry persisted = engines.raft()
                        .getMessage(Cf.DEFAULT, Keys.raftLogKey(regionId, last.getIndex()), Eraftpb.Entry.parser());
                if (persisted == null || persisted.getTerm() != last.getTerm()) {
                    appendsBeforeLeaderPersisted++;
                }
            }
            if ((m.getMsgType() == MessageType.MsgAppend || m.getMsgType() == MessageType.MsgHeartbeat)
                    && m.getCommit() > 0) {
                appendsChecked++;
                long holders = durableHolders(regionId, m.getCommit(), fromStore);
                if (holders < STORES / 2 + 1) {
                    violations.add("store " + fromStore + " sent commit index " + m.getCommit() + " in "
                            + m.getMsgType() + " while only " + holders + " stores hold that entry durably");
                }
            }
            RaftLocalState state =
                    engines.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(regionId), RaftLocalState.parser());
            if (m.getMsgType() == MessageType.MsgAppendResponse && !m.getReject()) {
                acksChecked++;
                if (state == null || state.getLastIndex() < m.getIndex()) {
                    violations.add("store " + fromStore + " acknowledged index " + m.getIndex()
                            + " while its persisted raft state is " + state);
                }
            }
            if (m.getMsgType() == MessageType.MsgRequestVoteResponse && !m.getReject()) {
                votesChecked++;
                if (state == null
                        || state.getHardState().getVote() != m.getTo()
                        || state.getHardState().getTerm() != m.getTerm()) {
                    violations.add("store " + fromStore + " granted its vote to peer " + m.getTo() + " in term "
                            + m.getTerm() + " while its persisted hard state is "
                            + (state == null ? null : state.getHardState()));
                }
            }
            return true;
        }

        /** Stores whose raft engine holds entry {@code index} with the term the leader has there. */
        private long durableHolders(long regionId, long index, long leaderStore) {
            Eraftpb.Entry leaders = entryAt(leaderStore, regionId, index);
            long holders = 0;
            for (long storeId : cluster.storeIds()) {
                Eraftpb.Entry held = entryAt(storeId, regionId, index);
                boolean same = held != null && (leaders == null || held.getTerm() == leaders.getTerm());
                if (!cluster.store(storeId).isUp()) {
                    continue;
                }
                Engines engines = cluster.store(storeId).raftStore().engines();
                RaftLocalState state =
                        engines.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(regionId), RaftLocalState.parser());
                RaftApplyState apply =
                        engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(regionId), RaftApplyState.parser());
                // At or below the truncated index the entry left the log: its effect is in the kv engine.
                boolean truncated =
                        apply != null && index <= apply.getTruncatedState().getIndex();
                if (truncated || (same && state != null && state.getLastIndex() >= index)) {
                    holders++;
                }
            }
            return holders;
        }

        private Eraftpb.Entry entryAt(long storeId, long regionId, long index) {
            if (!cluster.store(storeId).isUp()) {
                return null;
            }
            return cluster.store(storeId)
                    .raftStore()
                    .engines()
                    .raft()
                    .getMessage(Cf.DEFAULT, Keys.raftLogKey(regionId, index), Eraftpb.Entry.parser());
        }
    }

    @Test
    void acknowledgementsVotesAndCommitIndexesLeaveOnlyOnceDurableWhileAppendsLeaveBeforeTheLeadersFsync() {
        try (SimCluster cluster = new SimCluster(STORES, SEED, SimCluster.defaultConfig())) {
            DurabilityCheck check = new DurabilityCheck(cluster);
            cluster.network().addFilter(check);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("k" + (i % 3), "v" + i), TIMEOUT_MS);
                if (i == PUTS / 2) {
                    // A new election: votes are granted and persisted under the check too.
                    long leader = cluster.awaitLeader(TIMEOUT_MS);
                    cluster.crash(leader);
                    cluster.awaitLeader(TIMEOUT_MS);
                    cluster.restart(leader);
                }
            }
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(check.violations)
                    .as("messages sent before their state was durable")
                    .isEmpty();
            assertThat(check.appendsChecked).as("commit indexes checked").isPositive();
            assertThat(check.appendsBeforeLeaderPersisted)
                    .as("appends sent before the leader's own fsync")
                    .isPositive();
            assertThat(check.acksChecked).as("acknowledgements checked").isPositive();
            assertThat(check.votesChecked).as("granted votes checked").isPositive();
        }
    }
}
