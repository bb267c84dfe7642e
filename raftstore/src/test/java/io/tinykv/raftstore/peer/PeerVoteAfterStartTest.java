package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A (re)started peer grants no vote for an election timeout: it may have acknowledged a leader
 * whose lease still runs before it crashed, and Raft's in-memory refusal did not survive.
 */
class PeerVoteAfterStartTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3);

    @TempDir
    Path dir;

    private static RaftMessage voteRequest(long term, ByteString context) {
        return RaftMessage.newBuilder()
                .setRegionId(1)
                .setFromPeer(REGION.getPeers(1))
                .setToPeer(REGION.getPeers(0))
                .setRegionEpoch(REGION.getRegionEpoch())
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgRequestVote)
                        .setFrom(2)
                        .setTo(1)
                        .setTerm(term)
                        .setIndex(PeerStorage.RAFT_INIT_LOG_INDEX)
                        .setLogTerm(PeerStorage.RAFT_INIT_LOG_TERM)
                        .setContext(context))
                .build();
    }

    /** The Ready's messages, persisting what it asks. */
    private static List<Eraftpb.Message> drain(Engines engines, Peer peer) {
        if (!peer.raftNode().hasReady()) {
            return List.of();
        }
        Ready ready = peer.raftNode().ready();
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            peer.storage().saveReady(ready, raftWb);
            if (!raftWb.isEmpty()) {
                engines.raft().write(raftWb, true);
            }
        }
        peer.raftNode().advance(ready);
        return ready.messages();
    }

    private static boolean granted(List<Eraftpb.Message> messages) {
        return messages.stream()
                .anyMatch(m -> m.getMsgType() == Eraftpb.MessageType.MsgRequestVoteResponse
                        && m.getTo() == 2
                        && !m.getReject());
    }

    @Test
    void votesOnlyAfterAnElectionTimeoutUnlessATransferForcesTheCampaign() {
        RaftstoreConfig config = RaftstoreConfig.defaults();
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    config,
                    new SplittableRandom(1),
                    RegionHeartbeats.none(config));
            long term = peer.term();
            for (int tick = 0; tick < config.electionTicks() - 1; tick++) {
                peer.tick();
            }
            peer.step(voteRequest(term + 1, ByteString.EMPTY));
            assertThat(peer.term())
                    .as("the request did not even raise the term")
                    .isEqualTo(term);
            assertThat(granted(drain(engines, peer))).isFalse();

            peer.tick();
            drain(engines, peer);
            peer.step(voteRequest(term + 1, ByteString.EMPTY));
            assertThat(granted(drain(engines, peer)))
                    .as("an election timeout after the start")
                    .isTrue();
        }
    }

    @Test
    void aTransfersForcedCampaignIsAnsweredAtOnce() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    RaftstoreConfig.defaults(),
                    new SplittableRandom(1),
                    RegionHeartbeats.none(RaftstoreConfig.defaults()));
            peer.step(voteRequest(peer.term() + 1, ByteString.copyFromUtf8("CampaignTransfer")));
            assertThat(granted(drain(engines, peer))).isTrue();
        }
    }
}
