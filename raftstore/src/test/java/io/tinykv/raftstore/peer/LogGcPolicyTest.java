package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.TestEngines;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When and how far a leader compacts its log. */
class LogGcPolicyTest {

    private static final long LIMIT = 100;

    @Test
    void itChecksEveryIntervalTicks() {
        LogGcPolicy policy = new LogGcPolicy(3, LIMIT);
        assertThat(policy.onTick()).isFalse();
        assertThat(policy.onTick()).isFalse();
        assertThat(policy.onTick()).isTrue();
        assertThat(policy.onTick()).isFalse();
        assertThat(policy.onTick()).isFalse();
        assertThat(policy.onTick()).isTrue();
    }

    @Test
    void aLogWithinTheLimitIsKeptAndTheFollowersAreNotAsked() {
        LogGcPolicy policy = new LogGcPolicy(1, LIMIT);
        AtomicInteger asked = new AtomicInteger();
        assertThat(policy.compactIndex(100, 1, () -> asked.incrementAndGet()))
                .as("100 applied entries held: at the limit")
                .isEqualTo(LogGcPolicy.NONE);
        assertThat(policy.compactIndex(5, 10, () -> asked.incrementAndGet()))
                .as("nothing applied that the log holds (after a snapshot)")
                .isEqualTo(LogGcPolicy.NONE);
        assertThat(asked).hasValue(0);
    }

    @Test
    void itKeepsWhatTheSlowestFollowerNeedsUnlessItIsMoreThanTheLimitBehind() {
        LogGcPolicy policy = new LogGcPolicy(1, LIMIT);
        assertThat(policy.compactIndex(150, 1, () -> 140)).isEqualTo(140);
        assertThat(policy.compactIndex(150, 1, () -> 10))
                .as("the slowest is more than the limit behind: it gets a snapshot")
                .isEqualTo(50);
        assertThat(policy.compactIndex(150, 1, () -> 200))
                .as("never past the applied index")
                .isEqualTo(150);
    }

    @Test
    void theCommandNamesTheRegionThePeerAndTheCompactedEntry() {
        var region = TestEngines.region(7, 1, 1);
        RaftCmdRequest request = LogGcPolicy.compactLogRequest(7, region.getRegionEpoch(), region.getPeers(0), 140, 3);
        assertThat(request.getHeader().getRegionId()).isEqualTo(7);
        assertThat(request.getHeader().getPeer()).isEqualTo(region.getPeers(0));
        assertThat(request.getHeader().getRegionEpoch()).isEqualTo(region.getRegionEpoch());
        assertThat(request.getAdminRequest().getCmdType()).isEqualTo(AdminCmdType.CompactLog);
        assertThat(request.getAdminRequest().getCompactLog().getCompactIndex()).isEqualTo(140);
        assertThat(request.getAdminRequest().getCompactLog().getCompactTerm()).isEqualTo(3);
    }
}
