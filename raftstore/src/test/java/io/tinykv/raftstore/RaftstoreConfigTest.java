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
        assertThatThrownBy(() -> new RaftstoreConfig(2, 2, 1, 1, 1, 1, 1)).hasMessageContaining("electionTicks");
        assertThatThrownBy(() -> new RaftstoreConfig(10, 0, 1, 1, 1, 1, 1)).hasMessageContaining("heartbeatTicks");
        assertThatThrownBy(() -> new RaftstoreConfig(10, 2, 0, 1, 1, 1, 1)).hasMessageContaining("maxSizePerMsgBytes");
        assertThatThrownBy(() -> new RaftstoreConfig(10, 2, 1, 0, 1, 1, 1)).hasMessageContaining("maxInflightMsgs");
        assertThatThrownBy(() -> d.withRaftEntryMaxSizeBytes(0)).hasMessageContaining("raftEntryMaxSizeBytes");
        assertThatThrownBy(() -> d.withRaftLogGcCountLimit(0)).hasMessageContaining("raftLogGcCountLimit");
        assertThatThrownBy(() -> new RaftstoreConfig(10, 2, 1, 1, 1, 1, 0)).hasMessageContaining("raftLogGcIntervalTicks");
        assertThatThrownBy(() -> d.withLease(0, 0)).hasMessageContaining("maxLeaseMs");
        assertThatThrownBy(() -> d.withLease(1, -1)).hasMessageContaining("leaseDriftMarginMs");
    }

    @Test
    void aLeaseThatCouldOutliveTheFollowersVoteRefusalIsRefusedWithTheArithmetic() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        long window = (d.electionTicks() - 1) * d.tickIntervalMs();
        assertThat(RaftstoreConfig.leaseWindowMs(d.electionTicks(), d.tickIntervalMs())).isEqualTo(window);
        assertThat(d.withLease(window, 0).maxLeaseMs()).as("the whole window without a margin").isEqualTo(window);
        assertThat(d.withLease(window - 50, 50).maxLeaseMs()).isEqualTo(window - 50);
        assertThatThrownBy(() -> d.withLease(window - 49, 50))
                .hasMessageContaining("maxLeaseMs must be > 0 and at most (electionTicks - 1) x tickIntervalMs"
                        + " - leaseDriftMarginMs = (10 - 1) x 100 - 50 = 850 ms, got 851");
        assertThatThrownBy(() -> d.withLease(d.electionTicks() * d.tickIntervalMs(), 0))
                .as("a lease as long as the election timeout").hasMessageContaining("maxLeaseMs");
    }

    @Test
    void theLeaseDefaultsToTheWindowLessTheDriftMargin() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.leaseDriftMarginMs()).isEqualTo(90);
        assertThat(d.maxLeaseMs()).isEqualTo(810);
        RaftstoreConfig six = new RaftstoreConfig(6, 2, 1, 1, 1, 1, 1);
        assertThat(six.maxLeaseMs()).isEqualTo(450);
        assertThat(six.leaseDriftMarginMs()).isEqualTo(50);
        RaftstoreConfig fast = d.withTickIntervalMs(10);
        assertThat(fast.maxLeaseMs()).as("another tick length re-derives the lease").isEqualTo(81);
        assertThat(fast.leaseDriftMarginMs()).isEqualTo(9);
        assertThat(d.withTickIntervalMs(1).withLease(4, 2).maxLeaseMs()).isEqualTo(4);
        assertThat(new RaftstoreConfig(3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1).maxLeaseMs())
                .as("the margin rounds up to a whole millisecond").isEqualTo(1);
    }
}
