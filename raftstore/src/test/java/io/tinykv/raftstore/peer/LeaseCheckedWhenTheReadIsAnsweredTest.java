package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
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
import io.tinykv.raftstore.read.ReadStats;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease read is checked against the clock after its data was read, when it is answered: a leader
 * that paused between the lease check and the read (a GC, a stopped process) must not answer from
 * what may by then be stale state. One peer alone in its region, the clock in the test's hands.
 */
class LeaseCheckedWhenTheReadIsAnsweredTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString VALUE = ByteString.copyFromUtf8("v");

    @TempDir
    Path dir;

    private long nowNanos = 1_000;

    private static RaftCmdRequest command(Request request) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(REGION.getRegionEpoch()))
                .addRequests(request)
                .build();
    }

    private static RaftCmdRequest get() {
        return command(Request.newBuilder()
                .setCmdType(CmdType.Get)
                .setGet(GetRequest.newBuilder().setCf("default").setKey(KEY))
                .build());
    }

    /** What the batch system does with each Ready: persist, note, apply, serve reads, advance. */
    private static void drain(Engines engines, Peer peer, Applier applier) {
        while (peer.raftNode().hasReady()) {
            Ready ready = peer.raftNode().ready();
            try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
                peer.storage().saveReady(ready, raftWb);
                if (!raftWb.isEmpty()) {
                    engines.raft().write(raftWb, true);
                }
            }
            peer.onReady(ready);
            applier.apply(peer, ready.committedEntries());
            peer.serveReadyReads(applier);
            peer.raftNode().advance(ready);
        }
    }

    @Test
    void aLeaseThatRunsOutWhileTheReadReadsSendsItToAReadIndexRound() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            RaftstoreConfig config = RaftstoreConfig.defaults();
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    config,
                    new SplittableRandom(1),
                    RegionHeartbeats.none(config),
                    () -> nowNanos);
            Applier applier = new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME));
            drain(engines, peer, applier);
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
                    new Callback(put::set),
                    applier);
            drain(engines, peer, applier);
            assertThat(put.get().isError()).isFalse();

            AtomicReference<CmdResult> byLease = new AtomicReference<>();
            peer.handleCommand(get(), new Callback(byLease::set), applier);
            assertThat(byLease.get())
                    .as("the committed write renewed the lease: answered at once")
                    .isNotNull();
            assertThat(peer.readStats()).isEqualTo(new ReadStats(1, 0));

            // The process pauses for a whole lease while the read reads: the lease was valid when
            // the read began and is not when it would be answered.
            long leaseNanos = TimeUnit.MILLISECONDS.toNanos(config.maxLeaseMs());
            Peer.ReadExecutor pausing = (request, region, term) -> {
                nowNanos += leaseNanos;
                return applier.execute(request, region, term);
            };
            AtomicReference<CmdResult> paused = new AtomicReference<>();
            peer.handleCommand(get(), new Callback(paused::set), pausing);
            assertThat(paused.get()).as("not answered from the lease").isNull();
            assertThat(peer.readStats()).isEqualTo(new ReadStats(1, 1));
            drain(engines, peer, applier);
            assertThat(paused.get()).as("answered by its ReadIndex round").isNotNull();
            assertThat(paused.get().response().getResponses(0).getGet().getValue())
                    .isEqualTo(VALUE);
        }
    }
}
