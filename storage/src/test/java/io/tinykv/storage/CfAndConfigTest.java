package io.tinykv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CfAndConfigTest {

    @Test
    void columnFamiliesParseByApiName() {
        assertThat(Cf.fromApiName("default")).isEqualTo(Cf.DEFAULT);
        assertThat(Cf.fromApiName("")).isEqualTo(Cf.DEFAULT);
        assertThat(Cf.fromApiName(null)).isEqualTo(Cf.DEFAULT);
        assertThat(Cf.fromApiName("lock")).isEqualTo(Cf.LOCK);
        assertThat(Cf.fromApiName("WRITE")).isEqualTo(Cf.WRITE);
    }

    @Test
    void unknownColumnFamilyIsRejectedNamingIt() {
        assertThatThrownBy(() -> Cf.fromApiName("raft"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown column family 'raft'")
                .hasMessageContaining("default, lock, write");
    }

    @Test
    void defaultsAreValid() {
        EngineConfig config = EngineConfig.defaults();
        assertThat(config.blockCacheSizeBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(config.maxBackgroundJobs())
                .isEqualTo(EngineConfig.backgroundJobsFor(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void backgroundJobsScaleWithCoresWithinBounds() {
        assertThat(EngineConfig.backgroundJobsFor(1)).isEqualTo(2);
        assertThat(EngineConfig.backgroundJobsFor(2)).isEqualTo(2);
        assertThat(EngineConfig.backgroundJobsFor(16)).isEqualTo(4);
        assertThat(EngineConfig.backgroundJobsFor(32)).isEqualTo(8);
        assertThat(EngineConfig.backgroundJobsFor(128)).isEqualTo(8);
    }

    @Test
    void kvMemtablesScaleWithCoresWithinBoundsAndTheRaftEnginesDoesNot() {
        long mib = 1024L * 1024;
        assertThat(EngineConfig.writeBufferSizeFor(1)).isEqualTo(16 * mib);
        assertThat(EngineConfig.writeBufferSizeFor(2)).isEqualTo(16 * mib);
        assertThat(EngineConfig.writeBufferSizeFor(8)).isEqualTo(64 * mib);
        assertThat(EngineConfig.writeBufferSizeFor(32)).isEqualTo(128 * mib);
        assertThat(EngineConfig.writeBufferSizeFor(128)).isEqualTo(128 * mib);
        EngineConfig defaults = EngineConfig.defaults();
        assertThat(defaults.writeBufferSizeBytes())
                .isEqualTo(EngineConfig.writeBufferSizeFor(Runtime.getRuntime().availableProcessors()));
        assertThat(defaults.raftWriteBufferSizeBytes()).isEqualTo(64 * mib);
    }

    @Test
    void badSettingsAreRejectedNamingTheSetting() {
        EngineConfig defaults = EngineConfig.defaults();
        assertThatThrownBy(() -> defaults.withBlockCacheSizeBytes(1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blockCacheSizeBytes")
                .hasMessageContaining("got 1024");
        assertThatThrownBy(() -> defaults.withWriteBufferSizeBytes(0)).hasMessageContaining("writeBufferSizeBytes");
        assertThatThrownBy(() -> defaults.withRaftWriteBufferSizeBytes(1024))
                .hasMessageContaining("raftWriteBufferSizeBytes");
        assertThatThrownBy(() -> defaults.withMaxWriteBufferNumber(1)).hasMessageContaining("maxWriteBufferNumber");
        assertThatThrownBy(() -> defaults.withMaxBackgroundJobs(0)).hasMessageContaining("maxBackgroundJobs");
        assertThatThrownBy(() -> defaults.withBloomFilterBitsPerKey(-3)).hasMessageContaining("bloomFilterBitsPerKey");
    }
}
