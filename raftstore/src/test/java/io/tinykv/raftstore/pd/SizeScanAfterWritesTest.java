package io.tinykv.raftstore.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Metapb;
import io.tinykv.raft.StateRole;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.split.SplitPeers;
import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader asks for a scan of its region's size only when the region applied something since the
 * last scan: a store of a thousand idle regions then spends no scans on them, and a region that
 * takes writes is measured as often as before ({@link RegionHeartbeats#SIZE_SCAN_EVERY_HEARTBEATS}).
 */
class SizeScanAfterWritesTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    private static final int HEARTBEATS = 10 * RegionHeartbeats.SIZE_SCAN_EVERY_HEARTBEATS;

    @TempDir
    Path dir;

    @Test
    void anIdleLeaderIsScannedOnceAndAgainOnlyAfterItAppliesAnEntry() {
        RaftstoreConfig config = RaftstoreConfig.defaults().withRegionHeartbeatTicks(1);
        List<Metapb.Region> scans = new ArrayList<>();
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            RegionHeartbeats heartbeats = new RegionHeartbeats(config, SchedulerReporter.NONE, scans::add);
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    config,
                    new SplittableRandom(1),
                    heartbeats);
            peer.raftNode().campaign();
            assertThat(peer.raftNode().status().softState().role()).isEqualTo(StateRole.LEADER);

            heartbeats.onRoleMaybeChanged(peer);
            assertThat(scans).as("a new leader measures its region").hasSize(1);
            heartbeats.onApproximateSize(100, 1);

            tickHeartbeats(peer, HEARTBEATS);
            assertThat(scans).as("nothing applied: the figures stand").hasSize(1);
            assertThat(heartbeats.approximateSizeBytes()).isEqualTo(100);

            long index = peer.storage().appliedIndex() + 1;
            new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME), SplitPeers.NONE)
                    .apply(
                            peer,
                            List.of(Entry.newBuilder()
                                    .setIndex(index)
                                    .setTerm(6)
                                    .build()));
            assertThat(peer.storage().appliedIndex()).isEqualTo(index);
            tickHeartbeats(peer, RegionHeartbeats.SIZE_SCAN_EVERY_HEARTBEATS);
            assertThat(scans)
                    .as("an applied entry: measured again within the period")
                    .hasSize(2);
            heartbeats.onApproximateSize(200, 2);

            tickHeartbeats(peer, HEARTBEATS);
            assertThat(scans).hasSize(2);
            assertThat(heartbeats.approximateSizeBytes()).isEqualTo(200);
        }
    }

    @Test
    void aScanThatNeverAnswersIsAskedAgainAfterItsTimeout() {
        RaftstoreConfig config = RaftstoreConfig.defaults().withRegionHeartbeatTicks(1);
        List<Metapb.Region> scans = new ArrayList<>();
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            RegionHeartbeats heartbeats = new RegionHeartbeats(config, SchedulerReporter.NONE, scans::add);
            Peer peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    config,
                    new SplittableRandom(1),
                    heartbeats);
            peer.raftNode().campaign();
            heartbeats.onRoleMaybeChanged(peer);
            assertThat(scans).hasSize(1);

            tickHeartbeats(peer, RegionHeartbeats.SIZE_SCAN_TIMEOUT_HEARTBEATS + 1);
            assertThat(scans)
                    .as("the lost scan is asked again, though nothing was applied")
                    .hasSize(2);
        }
    }

    private static void tickHeartbeats(Peer peer, int heartbeats) {
        for (int i = 0; i < heartbeats; i++) {
            peer.heartbeats().onTick(peer);
        }
    }
}
