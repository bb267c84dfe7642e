package io.tinykv.proto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegionEpochsTest {

    private static Metapb.RegionEpoch epoch(long confVer, long version) {
        return Metapb.RegionEpoch.newBuilder()
                .setConfVer(confVer)
                .setVersion(version)
                .build();
    }

    @Test
    void anAdminCommandIsStaleWhenEitherPartIsOlder() {
        assertThat(RegionEpochs.isStale(epoch(2, 3), epoch(2, 3))).isFalse();
        assertThat(RegionEpochs.isStale(epoch(3, 4), epoch(2, 3))).isFalse();
        assertThat(RegionEpochs.isStale(epoch(2, 2), epoch(2, 3))).isTrue();
        assertThat(RegionEpochs.isStale(epoch(1, 3), epoch(2, 3))).isTrue();
        assertThat(RegionEpochs.isStale(epoch(1, 4), epoch(2, 3))).isTrue();
    }

    @Test
    void aReadOrWriteIsStaleOnlyWhenTheVersionIsOlder() {
        assertThat(RegionEpochs.isVersionStale(epoch(2, 3), epoch(2, 3))).isFalse();
        assertThat(RegionEpochs.isVersionStale(epoch(1, 3), epoch(2, 3))).isFalse();
        assertThat(RegionEpochs.isVersionStale(epoch(2, 2), epoch(2, 3))).isTrue();
    }
}
