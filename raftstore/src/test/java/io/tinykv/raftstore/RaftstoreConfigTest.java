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
        assertThatThrownBy(() -> d.withMaxLeaseTicks(0)).hasMessageContaining("maxLeaseTicks");
        assertThatThrownBy(() -> d.withMaxLeaseTicks(d.electionTicks())).as("a lease as long as the election timeout")
                .hasMessageContaining("maxLeaseTicks").hasMessageContaining("electionTicks");
    }

    @Test
    void theLeaseDefaultsToOneTickLessThanTheElectionTimeout() {
        assertThat(RaftstoreConfig.defaults().maxLeaseTicks()).isLessThan(RaftstoreConfig.defaults().electionTicks());
        assertThat(new RaftstoreConfig(6, 2, 1, 1, 1, 1, 1).maxLeaseTicks()).isEqualTo(5);
        assertThat(RaftstoreConfig.defaults().withMaxLeaseTicks(4).maxLeaseTicks()).isEqualTo(4);
    }
}
