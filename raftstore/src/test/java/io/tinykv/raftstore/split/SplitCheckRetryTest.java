package io.tinykv.raftstore.split;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.raft.StateRole;
import io.tinykv.raftstore.PeerMsg;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.Router;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which split-check ticks measure a region ({@link SplitCheckState} through the {@link SplitChecker}):
 * a split that a check asked for and that got lost is asked for again on the next tick though the
 * region applies nothing more (issue 13: a region stayed above region-max-keys for good once writes
 * stopped), and a region within the thresholds that applies nothing is not measured again.
 */
class SplitCheckRetryTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    /** Beyond 8 keys the region is split, every 4 keys. */
    private static final RaftstoreConfig CONFIG = RaftstoreConfig.defaults()
            .withSplitCheck(SplitCheckConfig.defaults().withKeys(8, 4));

    @TempDir
    Path dir;

    /** One leader peer of {@link #REGION}, a checker whose scans run at once and are counted, and its mailbox. */
    private static final class Fixture {
        final Peer peer;
        final Router router = new Router(regionId -> {});
        final List<Metapb.Region> scans = new ArrayList<>();
        final SplitChecker checker;

        Fixture(Engines engines) {
            PeerStorage.writeBootstrapState(engines, REGION);
            peer = new Peer(
                    1,
                    REGION.getPeers(0),
                    PeerStorage.open(engines, REGION, Runnable::run),
                    CONFIG,
                    new SplittableRandom(1),
                    RegionHeartbeats.none(CONFIG));
            peer.raftNode().campaign();
            assertThat(peer.raftNode().status().softState().role()).isEqualTo(StateRole.LEADER);
            router.register(peer);
            Executor counted = task -> {
                scans.add(peer.region());
                task.run();
            };
            checker = new SplitChecker(CONFIG.splitCheck(), engines, counted, router);
        }

        /** One split-check tick; the check's result, if one was asked, is handed to the checker. */
        PeerMsg.SplitRegion tick() {
            checker.onCheckTick(peer);
            PeerMsg msg = router.mailbox(REGION.getId()).poll();
            if (msg == null) {
                return null;
            }
            assertThat(msg).isInstanceOf(PeerMsg.SplitChecked.class);
            return checker.onChecked(peer, (PeerMsg.SplitChecked) msg);
        }
    }

    private static void writeKeys(Engines engines, int from, int to) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            for (int i = from; i < to; i++) {
                wb.put(Cf.DEFAULT, Keys.dataKey(key(i).toByteArray()), new byte[10]);
            }
            engines.kv().write(wb, false);
        }
    }

    private static void deleteKeys(Engines engines, int from, int to) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            for (int i = from; i < to; i++) {
                wb.delete(Cf.DEFAULT, Keys.dataKey(key(i).toByteArray()));
            }
            engines.kv().write(wb, false);
        }
    }

    private static ByteString key(int i) {
        return ByteString.copyFrom(String.format("k%02d", i), StandardCharsets.UTF_8);
    }

    @Test
    void aSplitThatWasAskedForAndLostIsAskedForAgainWithoutNewWrites() {
        try (Engines engines = TestEngines.open(dir)) {
            writeKeys(engines, 0, 10);
            Fixture f = new Fixture(engines);
            long applied = f.peer.storage().appliedIndex();

            PeerMsg.SplitRegion first = f.tick();
            assertThat(first).as("10 keys, beyond 8: a split is asked for").isNotNull();
            assertThat(first.splitKeys()).containsExactly(key(4), key(8));
            // The split is lost on its way (the scheduler's ids never come): nothing is applied.

            PeerMsg.SplitRegion again = f.tick();
            assertThat(f.peer.storage().appliedIndex()).as("no new writes").isEqualTo(applied);
            assertThat(f.scans).as("measured again on the next tick").hasSize(2);
            assertThat(again).as("and the split asked for again").isNotNull();
            assertThat(again.splitKeys()).isEqualTo(first.splitKeys());
            assertThat(again.epoch()).isEqualTo(REGION.getRegionEpoch());
        }
    }

    @Test
    void aRegionFoundWithinTheThresholdsStopsBeingMeasuredUntilItAppliesSomething() {
        try (Engines engines = TestEngines.open(dir)) {
            writeKeys(engines, 0, 10);
            Fixture f = new Fixture(engines);
            assertThat(f.tick()).isNotNull();
            assertThat(f.tick()).isNotNull();
            assertThat(f.scans).hasSize(2);

            // Now within the thresholds (keys went away without the split): the next check says so ...
            deleteKeys(engines, 5, 10);
            assertThat(f.tick()).as("5 keys: nothing to split").isNull();
            assertThat(f.scans).hasSize(3);
            // ... and an idle region within them costs no more scans.
            for (int i = 0; i < 10; i++) {
                assertThat(f.tick()).isNull();
            }
            assertThat(f.scans)
                    .as("idle and within the thresholds: not measured again")
                    .hasSize(3);
        }
    }

    @Test
    void anIdleRegionWithinTheThresholdsIsMeasuredOnce() {
        try (Engines engines = TestEngines.open(dir)) {
            writeKeys(engines, 0, 5);
            Fixture f = new Fixture(engines);
            for (int i = 0; i < 10; i++) {
                assertThat(f.tick()).isNull();
            }
            assertThat(f.scans).hasSize(1);
        }
    }
}
