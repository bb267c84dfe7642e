package io.tinykv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Configuration validation: each bad setting is refused with a message naming it. */
class RaftConfigTest {

    @Test
    void defaults() {
        RaftConfig c = RaftConfig.builder(7).build();
        assertThat(c.id()).isEqualTo(7);
        assertThat(c.electionTicks()).isEqualTo(10);
        assertThat(c.heartbeatTicks()).isEqualTo(1);
        assertThat(c.appliedIndex()).isZero();
        assertThat(c.maxSizePerMsgBytes()).isEqualTo(1024 * 1024);
        assertThat(c.maxInflightMsgs()).isEqualTo(256);
        assertThat(c.maxUncommittedEntriesBytes()).isZero();
        assertThat(c.checkQuorum()).isFalse();
        assertThat(c.preVote()).isFalse();
        assertThat(c.readOnlyOption()).isEqualTo(ReadOnlyOption.SAFE);
        assertThat(c.withAppliedIndex(5).appliedIndex()).isEqualTo(5);
    }

    @Test
    void invalidSettingsNamed() {
        assertThatThrownBy(() -> RaftConfig.builder(0).build()).hasMessageContaining("id");
        assertThatThrownBy(() -> RaftConfig.builder(1).heartbeatTicks(0).build())
                .hasMessageContaining("heartbeatTicks");
        assertThatThrownBy(() ->
                        RaftConfig.builder(1).electionTicks(1).heartbeatTicks(1).build())
                .hasMessageContaining("electionTicks");
        assertThatThrownBy(() -> RaftConfig.builder(1).maxSizePerMsgBytes(0).build())
                .hasMessageContaining("maxSizePerMsgBytes");
        assertThatThrownBy(() -> RaftConfig.builder(1).maxInflightMsgs(0).build())
                .hasMessageContaining("maxInflightMsgs");
        assertThatThrownBy(() ->
                        RaftConfig.builder(1).maxUncommittedEntriesBytes(-1).build())
                .hasMessageContaining("maxUncommittedEntriesBytes");
        assertThatThrownBy(() -> RaftConfig.builder(1).appliedIndex(-1).build()).hasMessageContaining("appliedIndex");
        assertThatThrownBy(() -> RaftConfig.builder(1)
                        .readOnlyOption(ReadOnlyOption.LEASE_BASED)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkQuorum");
        assertThatThrownBy(() -> RaftConfig.builder(1).readOnlyOption(null).build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void leaseBasedWithCheckQuorumAccepted() {
        RaftConfig c = RaftConfig.builder(1)
                .checkQuorum(true)
                .readOnlyOption(ReadOnlyOption.LEASE_BASED)
                .build();
        assertThat(c.readOnlyOption()).isEqualTo(ReadOnlyOption.LEASE_BASED);
    }
}
