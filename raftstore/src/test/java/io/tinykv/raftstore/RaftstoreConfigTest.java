package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RaftstoreConfigTest {

    @Test
    void defaultsAreValid() {
        RaftstoreConfig config = RaftstoreConfig.defaults();
        assertThat(config.electionTicks()).isGreaterThan(config.heartbeatTicks());
        assertThat(config.withRaftLogGcCountLimit(7).raftLogGcCountLimit()).isEqualTo(7);
        assertThat(config.withRaftEntryMaxSizeBytes(9).raftEntryMaxSizeBytes()).isEqualTo(9);
    }

    @Test
    void badSettingsAreRefusedByName() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThatThrownBy(() -> RaftstoreConfig.builder()
                        .electionTicks(2)
                        .heartbeatTicks(2)
                        .build())
                .hasMessageContaining("electionTicks");
        assertThatThrownBy(() -> RaftstoreConfig.builder().heartbeatTicks(0).build())
                .hasMessageContaining("heartbeatTicks");
        assertThatThrownBy(() -> RaftstoreConfig.builder().maxSizePerMsgBytes(0).build())
                .hasMessageContaining("maxSizePerMsgBytes");
        assertThatThrownBy(() -> RaftstoreConfig.builder().maxInflightMsgs(0).build())
                .hasMessageContaining("maxInflightMsgs");
        assertThatThrownBy(() -> d.withRaftEntryMaxSizeBytes(0)).hasMessageContaining("raftEntryMaxSizeBytes");
        assertThatThrownBy(() -> d.withRaftLogGcCountLimit(0)).hasMessageContaining("raftLogGcCountLimit");
        assertThatThrownBy(() ->
                        RaftstoreConfig.builder().raftLogGcIntervalTicks(0).build())
                .hasMessageContaining("raftLogGcIntervalTicks");
        assertThatThrownBy(() -> d.withLease(0, 0)).hasMessageContaining("maxLeaseMs");
        assertThatThrownBy(() -> d.withLease(1, -1)).hasMessageContaining("leaseDriftMarginMs");
        assertThatThrownBy(
                        () -> RaftstoreConfig.builder().hibernateCheckTicks(0).build())
                .hasMessageContaining("hibernateCheckTicks");
    }

    /** TiKV's default since 5.0; the stores ping each other once an election timeout. */
    @Test
    void idleRegionsHibernateByDefaultAndTheSettingSurvivesTheBuilder() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.hibernateRegions()).isTrue();
        assertThat(d.hibernateCheckTicks()).isEqualTo(d.electionTicks());
        RaftstoreConfig off =
                d.withHibernateRegions(false).toBuilder().hibernateCheckTicks(7).build();
        assertThat(off.hibernateRegions()).isFalse();
        assertThat(off.hibernateCheckTicks()).isEqualTo(7);
        assertThat(off.withTickIntervalMs(50).hibernateRegions()).isFalse();
    }

    @Test
    void aLeaseThatCouldOutliveTheFollowersVoteRefusalIsRefusedWithTheArithmetic() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        long window = (d.electionTicks() - 1) * d.tickIntervalMs();
        assertThat(RaftstoreConfig.leaseWindowMs(d.electionTicks(), d.tickIntervalMs()))
                .isEqualTo(window);
        assertThat(d.withLease(window, 0).maxLeaseMs())
                .as("the whole window without a margin")
                .isEqualTo(window);
        assertThat(d.withLease(window - 50, 50).maxLeaseMs()).isEqualTo(window - 50);
        assertThatThrownBy(() -> d.withLease(window - 49, 50))
                .hasMessageContaining("maxLeaseMs must be > 0 and at most (electionTicks - 1) x tickIntervalMs"
                        + " - leaseDriftMarginMs = (10 - 1) x 100 - 50 = 850 ms, got 851");
        assertThatThrownBy(() -> d.withLease(d.electionTicks() * d.tickIntervalMs(), 0))
                .as("a lease as long as the election timeout")
                .hasMessageContaining("maxLeaseMs");
    }

    @Test
    void theLeaseDefaultsToTheWindowLessTheDriftMargin() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.leaseDriftMarginMs()).isEqualTo(90);
        assertThat(d.maxLeaseMs()).isEqualTo(810);
        RaftstoreConfig six = RaftstoreConfig.builder().electionTicks(6).build();
        assertThat(six.maxLeaseMs()).isEqualTo(450);
        assertThat(six.leaseDriftMarginMs()).isEqualTo(50);
        RaftstoreConfig fast = d.withTickIntervalMs(10);
        assertThat(fast.maxLeaseMs())
                .as("another tick length re-derives the lease")
                .isEqualTo(81);
        assertThat(fast.leaseDriftMarginMs()).isEqualTo(9);
        assertThat(d.withTickIntervalMs(1).withLease(4, 2).maxLeaseMs()).isEqualTo(4);
        assertThat(RaftstoreConfig.builder()
                        .electionTicks(3)
                        .heartbeatTicks(1)
                        .tickIntervalMs(1)
                        .build()
                        .maxLeaseMs())
                .as("the margin rounds up to a whole millisecond")
                .isEqualTo(1);
    }
}
