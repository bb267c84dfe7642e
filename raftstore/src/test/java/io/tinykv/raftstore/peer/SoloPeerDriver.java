package io.tinykv.raftstore.peer;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.GetRequest;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The test's stand-in for the batch system around one peer alone in its region: the commands it
 * is handed and the Ready loop, with the apply step in the test's hands so that a test can hold
 * apply back.
 */
final class SoloPeerDriver {

    /** Region 1, its one peer 1 on store 1. */
    static final Metapb.Region REGION = TestEngines.region(1, 1, 1);

    private SoloPeerDriver() {}

    /**
     * Bootstraps {@link #REGION} on a fresh store and opens its peer, whose leader lease runs on
     * {@code nanoClock}. The peer campaigns at its first Ready.
     */
    static Peer bootstrap(Engines engines, RaftstoreConfig config, LongSupplier nanoClock) {
        PeerStorage.writeBootstrapState(engines, REGION);
        return new Peer(
                1,
                REGION.getPeers(0),
                PeerStorage.open(engines, REGION, Runnable::run),
                config,
                new SplittableRandom(1),
                RegionHeartbeats.none(config),
                nanoClock);
    }

    static RaftCmdRequest command(Request request) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(REGION.getRegionEpoch()))
                .addRequests(request)
                .build();
    }

    static RaftCmdRequest put(ByteString key, ByteString value) {
        return command(Request.newBuilder()
                .setCmdType(CmdType.Put)
                .setPut(PutRequest.newBuilder().setCf("default").setKey(key).setValue(value))
                .build());
    }

    static RaftCmdRequest get(ByteString key) {
        return command(Request.newBuilder()
                .setCmdType(CmdType.Get)
                .setGet(GetRequest.newBuilder().setCf("default").setKey(key))
                .build());
    }

    /**
     * What the batch system does with each Ready until none is left: persist, note, hand the
     * committed entries to {@code apply}, serve the reads whose index is applied, advance.
     */
    static void drain(Engines engines, Peer peer, Applier applier, Consumer<List<Entry>> apply) {
        while (peer.raftNode().hasReady()) {
            Ready ready = peer.raftNode().ready();
            persist(engines, peer, ready);
            peer.onReady(ready);
            apply.accept(ready.committedEntries());
            peer.serveReadyReads(applier);
            peer.raftNode().advance(ready);
        }
    }

    /** Writes (synced) what {@code ready} asks the peer's raft state to keep. */
    static void persist(Engines engines, Peer peer, Ready ready) {
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            peer.storage().saveReady(ready, raftWb);
            if (!raftWb.isEmpty()) {
                engines.raft().write(raftWb, true);
            }
        }
    }
}
