package io.tinykv.server.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.server.config.ConfigException;
import io.tinykv.server.store.StoreConfigLoader;
import org.junit.jupiter.api.Test;

/** The {@code [gc]} section's compaction threshold: its default, the file setting it, a bad value refused by name. */
class StoreGcConfigTest {

    @Test
    void theCompactionThresholdDefaultsToTiKVsAndTheFileSetsIt() {
        assertThat(StoreGcConfig.defaults().compactMinTombstones()).isEqualTo(10_000);
        StoreGcConfig gc = StoreConfigLoader.parse("[gc]\nregion-compact-min-tombstones = 500\n", "t.toml")
                .gc();
        assertThat(gc.compactMinTombstones()).isEqualTo(500);
        assertThat(gc.runIntervalMillis()).isEqualTo(StoreGcConfig.DEFAULT_RUN_INTERVAL_MILLIS);
    }

    @Test
    void aThresholdBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> StoreConfigLoader.parse("[gc]\nregion-compact-min-tombstones = 0\n", "t.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gc.region-compact-min-tombstones must be >= 1, got 0");
    }
}
