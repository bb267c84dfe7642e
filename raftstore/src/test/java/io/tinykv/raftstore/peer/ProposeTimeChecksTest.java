package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §4, step 3: the leader refuses a command it can already tell is wrong — stale epoch,
 * key outside the region, a term too old — at once, without putting it in the log. (Apply would
 * refuse it too, but only after a round of replication, and a write that never should have been
 * proposed would cost every replica an entry.)
 */
class ProposeTimeChecksTest {

    /** One peer over ["a", "m"): it leads at once. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("a"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    @TempDir
    Path dir;

    private static RaftCmdRequest put(String key, Metapb.RegionEpoch epoch, long term) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(epoch)
                        .setTerm(term))
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutRequest.newBuilder()
                                .setCf("default")
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v"))))
                .build();
    }

    /** A leader of {@link #REGION} whose election Ready is persisted and advanced. */
    private static Peer leader(Engines engines) {
        PeerStorage.writeBootstrapState(engines, REGION);
        RaftstoreConfig config = RaftstoreConfig.defaults();
        Peer peer = new Peer(
                1,
                REGION.getPeers(0),
                PeerStorage.open(engines, REGION, Runnable::run),
                config,
                new SplittableRandom(1),
                RegionHeartbeats.none(config));
        while (peer.raftNode().hasReady()) {
            Ready ready = peer.raftNode().ready();
            SoloPeerDriver.persist(engines, peer, ready);
            peer.raftNode().advance(ready);
        }
        assertThat(peer.isLeader()).as("a one-peer region's peer leads").isTrue();
        return peer;
    }

    /** Hands {@code request} to the leader; returns the answer it gave at once, or null. */
    private static CmdResult handle(Peer peer, RaftCmdRequest request) {
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        peer.handleCommand(request, new Callback(answer::set));
        return answer.get();
    }

    @Test
    void aValidWriteIsProposed() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = leader(engines);
            assertThat(handle(peer, put("b", REGION.getRegionEpoch(), peer.term())))
                    .as("answered once applied")
                    .isNull();
            assertThat(peer.proposals()).hasSize(1);
        }
    }

    @Test
    void aWriteWithAnOlderEpochIsRefusedAtOnceAndNeverProposed() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = leader(engines);
            Metapb.RegionEpoch older = REGION.getRegionEpoch().toBuilder()
                    .setVersion(REGION.getRegionEpoch().getVersion() - 1)
                    .build();
            CmdResult result = handle(peer, put("b", older, peer.term()));
            assertThat(result).as("answered at once").isNotNull();
            assertThat(result.response()
                            .getHeader()
                            .getError()
                            .getEpochNotMatch()
                            .getCurrentRegionsList())
                    .containsExactly(REGION);
            assertThat(peer.proposals()).as("nothing proposed").isEmpty();
        }
    }

    @Test
    void aWriteOutsideTheRegionIsRefusedAtOnceAndNeverProposed() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = leader(engines);
            CmdResult result = handle(peer, put("z", REGION.getRegionEpoch(), peer.term()));
            assertThat(result).as("answered at once").isNotNull();
            assertThat(result.response()
                            .getHeader()
                            .getError()
                            .getKeyNotInRegion()
                            .getKey())
                    .isEqualTo(ByteString.copyFromUtf8("z"));
            assertThat(peer.proposals()).as("nothing proposed").isEmpty();
        }
    }

    @Test
    void aWriteRoutedTwoTermsAgoIsRefusedStaleCommand() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = leader(engines);
            long routedAt = peer.term() - 2;
            CmdResult result = handle(peer, put("b", REGION.getRegionEpoch(), routedAt));
            assertThat(result).as("answered at once").isNotNull();
            assertThat(result.response().getHeader().getError().hasStaleCommand())
                    .isTrue();
            assertThat(peer.proposals()).as("nothing proposed").isEmpty();
        }
    }
}
