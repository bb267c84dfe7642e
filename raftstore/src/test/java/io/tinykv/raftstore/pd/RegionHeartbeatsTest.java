package io.tinykv.raftstore.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.raft.ProgressState;
import io.tinykv.raft.ProgressView;
import io.tinykv.raftstore.TestEngines;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contents of a region heartbeat ({@link RegionHeartbeats#build}). */
class RegionHeartbeatsTest {

    private static final Metapb.Region REGION = TestEngines.region(7, 1, 1, 2, 2, 3, 3, 4, 4);
    private static final Metapb.Peer LEADER = REGION.getPeers(0);
    private static final long TERM = 9;
    private static final long TRUNCATED = 50;
    private static final int MAX_DOWN_TICKS = 100;
    private static final long TICK_MS = 50;

    private static ProgressView progress(long match) {
        return new ProgressView(match, match + 1, ProgressState.REPLICATE, false, true, 0, 0);
    }

    private static Pdpb.RegionHeartbeatRequest build(Map<Long, ProgressView> progress, Map<Long, Long> silentTicks) {
        return RegionHeartbeats.build(
                REGION, LEADER, TERM, progress, TRUNCATED, silentTicks, MAX_DOWN_TICKS, TICK_MS, 1234, 56);
    }

    @Test
    void aHealthyRegionReportsRegionLeaderTermAndSize() {
        Pdpb.RegionHeartbeatRequest hb = build(
                Map.of(1L, progress(80), 2L, progress(80), 3L, progress(79), 4L, progress(TRUNCATED)),
                Map.of(1L, 0L, 2L, 1L, 3L, 2L, 4L, (long) MAX_DOWN_TICKS));
        assertThat(hb.getRegion()).isEqualTo(REGION);
        assertThat(hb.getLeader()).isEqualTo(LEADER);
        assertThat(hb.getTerm()).isEqualTo(TERM);
        assertThat(hb.getApproximateSize()).isEqualTo(1234);
        assertThat(hb.getApproximateKeys()).isEqualTo(56);
        assertThat(hb.getDownPeersList())
                .as("silent exactly the limit is not down yet")
                .isEmpty();
        assertThat(hb.getPendingPeersList())
                .as("a match at the truncated index needs no snapshot")
                .isEmpty();
    }

    @Test
    void peersSilentLongerThanTheLimitAreDownWithTheirSilenceInSeconds() {
        long silent = 400;
        Pdpb.RegionHeartbeatRequest hb = build(
                Map.of(1L, progress(80), 2L, progress(80), 3L, progress(80), 4L, progress(80)),
                Map.of(1L, 0L, 2L, MAX_DOWN_TICKS + 1L, 3L, silent, 4L, 0L));
        assertThat(hb.getDownPeersList())
                .extracting(Pdpb.PeerStats::getPeer)
                .containsExactly(REGION.getPeers(1), REGION.getPeers(2));
        assertThat(hb.getDownPeers(0).getDownSeconds()).isEqualTo((MAX_DOWN_TICKS + 1) * TICK_MS / 1000);
        assertThat(hb.getDownPeers(1).getDownSeconds()).isEqualTo(silent * TICK_MS / 1000);
    }

    @Test
    void peersBehindTheTruncatedIndexOrWithoutProgressArePending() {
        Pdpb.RegionHeartbeatRequest hb =
                build(Map.of(1L, progress(80), 2L, progress(TRUNCATED - 1), 3L, progress(0)), Map.of());
        assertThat(hb.getPendingPeersList())
                .containsExactly(REGION.getPeers(1), REGION.getPeers(2), REGION.getPeers(3));
        assertThat(hb.getDownPeersList())
                .as("no silence recorded is no silence")
                .isEmpty();
    }

    @Test
    void theLeaderIsNeverDownOrPendingItself() {
        Pdpb.RegionHeartbeatRequest hb = build(Map.of(), Map.of(1L, 10_000L));
        assertThat(hb.getDownPeersList()).extracting(Pdpb.PeerStats::getPeer).doesNotContain(LEADER);
        assertThat(hb.getPendingPeersList()).doesNotContain(LEADER).hasSize(3);
    }
}
