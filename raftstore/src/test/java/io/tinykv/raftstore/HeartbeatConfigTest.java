package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The scheduler-facing settings of {@link RaftstoreConfig}. */
class HeartbeatConfigTest {

    @Test
    void defaultsArePositiveAndTheBuilderStartsFromThem() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.regionHeartbeatTicks())
                .isEqualTo(RaftstoreConfig.DEFAULT_REGION_HEARTBEAT_TICKS)
                .isPositive();
        assertThat(d.storeHeartbeatTicks())
                .isEqualTo(RaftstoreConfig.DEFAULT_STORE_HEARTBEAT_TICKS)
                .isPositive();
        assertThat(d.maxPeerDownTicks())
                .isEqualTo(RaftstoreConfig.DEFAULT_MAX_PEER_DOWN_TICKS)
                .isPositive();
        assertThat(d.tickIntervalMs())
                .isEqualTo(RaftstoreConfig.DEFAULT_TICK_INTERVAL_MS)
                .isPositive();
        assertThat(RaftstoreConfig.builder().build()).isEqualTo(d);
        assertThat(d.toBuilder().build()).isEqualTo(d);
    }

    @Test
    void withersChangeOneSettingEach() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.withRegionHeartbeatTicks(3))
                .isEqualTo(RaftstoreConfig.builder().regionHeartbeatTicks(3).build());
        assertThat(d.withStoreHeartbeatTicks(4).storeHeartbeatTicks()).isEqualTo(4);
        assertThat(d.withMaxPeerDownTicks(5).maxPeerDownTicks()).isEqualTo(5);
        assertThat(d.withTickIntervalMs(6).tickIntervalMs()).isEqualTo(6);
        assertThat(d.withRaftLogGcCountLimit(7).regionHeartbeatTicks()).isEqualTo(d.regionHeartbeatTicks());
        RaftstoreConfig longer = d.withRegionHeartbeatIntervalMs(90_000);
        assertThat(longer.regionHeartbeatIntervalMs()).isEqualTo(90_000);
        assertThat(longer.withTickIntervalMs(50)
                        .withNotifyCapacity(9)
                        .withLease(100, 10)
                        .regionHeartbeatIntervalMs())
                .as("other withers keep it")
                .isEqualTo(90_000);
    }

    @Test
    void theLongIntervalIsTikvsMinuteAndCountsWholeTicksRoundedUp() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThat(d.regionHeartbeatIntervalMs()).isEqualTo(60_000);
        assertThat(d.regionHeartbeatIntervalTicks()).isEqualTo(600);
        assertThat(d.withRegionHeartbeatIntervalMs(1_050).regionHeartbeatIntervalTicks())
                .isEqualTo(11);
        assertThat(d.withRegionHeartbeatIntervalMs(1).regionHeartbeatIntervalTicks())
                .isEqualTo(1);
        assertThat(d.withRegionHeartbeatIntervalMs(Long.MAX_VALUE).regionHeartbeatIntervalTicks())
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void badSettingsAreRefusedByName() {
        RaftstoreConfig d = RaftstoreConfig.defaults();
        assertThatThrownBy(() -> d.withRegionHeartbeatTicks(0)).hasMessageContaining("regionHeartbeatTicks");
        assertThatThrownBy(() -> d.withStoreHeartbeatTicks(0)).hasMessageContaining("storeHeartbeatTicks");
        assertThatThrownBy(() -> d.withMaxPeerDownTicks(0)).hasMessageContaining("maxPeerDownTicks");
        assertThatThrownBy(() -> d.withTickIntervalMs(0)).hasMessageContaining("tickIntervalMs");
        assertThatThrownBy(() -> d.withRegionHeartbeatIntervalMs(0)).hasMessageContaining("regionHeartbeatIntervalMs");
    }
}
