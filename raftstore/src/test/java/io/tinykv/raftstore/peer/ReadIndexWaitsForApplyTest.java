package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §4: a read is served from a kv snapshot taken after its read index is APPLIED, not
 * merely known. The test stands in for the batch system and holds back apply: a write committed
 * before the read asked is in the log but not yet in the kv engine, and the read must wait for it.
 */
class ReadIndexWaitsForApplyTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString VALUE = ByteString.copyFromUtf8("v");

    @TempDir
    Path dir;

    private static RaftCmdRequest command(Request request) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(REGION.getRegionEpoch()))
                .addRequests(request)
                .build();
    }

    /**
     * Persists and advances every Ready, noting its read states and serving the reads whose index
     * is applied — but applies nothing: committed entries are collected into {@code unapplied}.
     */
    private static void drainWithoutApplying(Engines engines, Peer peer, Applier applier, List<Entry> unapplied) {
        while (peer.raftNode().hasReady()) {
            Ready ready = peer.raftNode().ready();
            try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
                peer.storage().saveReady(ready, raftWb);
                if (!raftWb.isEmpty()) {
                    engines.raft().write(raftWb, true);
                }
            }
            peer.onReady(ready);
            unapplied.addAll(ready.committedEntries());
            peer.serveReadyReads(applier);
            peer.raftNode().advance(ready);
        }
    }

    @Test
    void aReadWhoseIndexIsCommittedButNotAppliedWaitsAndThenSeesTheWrite() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            RaftstoreConfig config = RaftstoreConfig.defaults();
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    config,
                    new SplittableRandom(1),
                    RegionHeartbeats.none(config));
            Applier applier = new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME));
            List<Entry> unapplied = new ArrayList<>();
            drainWithoutApplying(engines, peer, applier, unapplied);
            assertThat(peer.isLeader()).isTrue();

            AtomicReference<CmdResult> put = new AtomicReference<>();
            peer.handleCommand(
                    command(Request.newBuilder()
                            .setCmdType(CmdType.Put)
                            .setPut(PutRequest.newBuilder()
                                    .setCf("default")
                                    .setKey(KEY)
                                    .setValue(VALUE))
                            .build()),
                    new Callback(put::set));
            drainWithoutApplying(engines, peer, applier, unapplied);
            long committedPut = unapplied.get(unapplied.size() - 1).getIndex();
            assertThat(peer.raftNode().status().hardState().getCommit())
                    .as("the write is committed")
                    .isGreaterThanOrEqualTo(committedPut);

            AtomicReference<CmdResult> get = new AtomicReference<>();
            peer.handleCommand(
                    command(Request.newBuilder()
                            .setCmdType(CmdType.Get)
                            .setGet(GetRequest.newBuilder().setCf("default").setKey(KEY))
                            .build()),
                    new Callback(get::set));
            drainWithoutApplying(engines, peer, applier, unapplied);
            assertThat(peer.storage().appliedIndex()).isLessThan(committedPut);
            assertThat(get.get())
                    .as("the read index is known, the write before it not applied: the read waits")
                    .isNull();

            applier.apply(peer, unapplied);
            peer.serveReadyReads(applier);
            assertThat(put.get().isError()).isFalse();
            assertThat(get.get()).as("answered once applied").isNotNull();
            assertThat(get.get().response().getResponses(0).getGet().getValue()).isEqualTo(VALUE);
        }
    }
}
