package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a lone write to a single-voter region (the standalone's regions) costs the batch system,
 * counted, not timed: one round and one synced raft-engine write. The region's own durable copy is
 * its whole quorum, so the round that syncs the entry also applies it (RaftPoller's same-round
 * Ready) instead of leaving that to a second round.
 *
 * <p>The test thread is the Raft thread: it proposes, then runs rounds until the write is answered,
 * and reads the counters only then, so they are final, never caught mid-round.
 */
class SingleVoterWriteCostTest {

    private static final long STORE_ID = 1;
    private static final Metapb.Region REGION = TestEngines.region(1, 1, STORE_ID);
    private static final int WRITES = 20;
    /** Far more rounds than any write needs: a bound on the loops, not an expectation. */
    private static final int MAX_ROUNDS = 1_000;

    @TempDir
    Path dir;

    @Test
    void aLoneWriteCostsOneRoundAndOneSyncedWrite() {
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, REGION);
        }
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore store = newStore(engines);
            runUntilIdle(store);
            assertThat(store.regionStatus(REGION.getId()).leader())
                    .as("a single voter elects itself")
                    .isTrue();

            RaftStoreStats.Snapshot before = store.stats().snapshot();
            for (int i = 0; i < WRITES; i++) {
                AtomicReference<CmdResult> answer = new AtomicReference<>();
                store.propose(put("k" + i), new Callback(answer::set));
                for (int rounds = 0; answer.get() == null && rounds < MAX_ROUNDS; rounds++) {
                    store.pollOnce();
                }
                assertThat(answer.get()).as("write %d answered", i).isNotNull();
                assertThat(answer.get().isError())
                        .as("write %d: %s", i, answer.get())
                        .isFalse();
                assertThat(store.hasWork())
                        .as("write %d left nothing for a later round", i)
                        .isFalse();
            }
            RaftStoreStats.Snapshot cost = store.stats().snapshot().minus(before);

            assertThat(cost.entriesPersisted()).isEqualTo(WRITES);
            assertThat(cost.entriesApplied()).isEqualTo(WRITES);
            assertThat(cost.syncedRaftWrites())
                    .as("one fsync per write: %s", cost)
                    .isEqualTo(WRITES);
            assertThat(cost.pollRounds())
                    .as("each write is applied in the round that persisted it: %s", cost)
                    .isEqualTo(WRITES);
            assertThat(cost.sameRoundReadys()).as(cost.toString()).isEqualTo(WRITES);
            // The commit index alone is written unsynced (a crash recovers it from the applied index).
            assertThat(cost.unsyncedRaftWrites()).as(cost.toString()).isEqualTo(WRITES);
            for (int i = 0; i < WRITES; i++) {
                assertThat(engines.kv().get(Cf.DEFAULT, Keys.dataKey(bytes("k" + i))))
                        .isEqualTo(bytes("k" + i));
            }
            store.close();
        }
    }

    private static void runUntilIdle(RaftStore store) {
        for (int rounds = 0; store.hasWork() && rounds < MAX_ROUNDS; rounds++) {
            store.pollOnce();
        }
        assertThat(store.hasWork()).isFalse();
    }

    private static RaftStore newStore(Engines engines) {
        Transport nowhere = message -> {
            throw new AssertionError("a one-peer region sends no messages, got " + message);
        };
        return new RaftStore(
                STORE_ID, engines, RaftstoreConfig.defaults(), nowhere, Runnable::run, new SplittableRandom(1));
    }

    private static RaftCmdRequest put(String key) {
        ByteString k = ByteString.copyFromUtf8(key);
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(REGION.getRegionEpoch()))
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutRequest.newBuilder()
                                .setCf("default")
                                .setKey(k)
                                .setValue(k)))
                .build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
