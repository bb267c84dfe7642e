package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorded data format survives restarts, and a record this version did not write is refused. */
class DataFormatTest {

    @TempDir
    Path dir;

    @Test
    void absentUntilPersistedThenReadBackAfterARestart() {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(DataFormat.read(engines.kv())).isEmpty();
            DataFormat.WITH_TTL.persist(engines.kv());
        }
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(DataFormat.read(engines.kv())).contains(DataFormat.WITH_TTL);
            DataFormat.WITHOUT_TTL.persist(engines.kv());
            assertThat(DataFormat.read(engines.kv())).contains(DataFormat.WITHOUT_TTL);
        }
    }

    @Test
    void encodingIsVersionThenFlags() {
        assertThat(DataFormat.WITH_TTL.encode()).containsExactly(1, 1);
        assertThat(DataFormat.WITHOUT_TTL.encode()).containsExactly(1, 0);
        assertThat(DataFormat.decode(new byte[] {1, 1}, "test")).isEqualTo(DataFormat.WITH_TTL);
    }

    @Test
    void unknownVersionsFlagsAndLengthsAreRefused() {
        for (byte[] bad : new byte[][] {{2, 0}, {1, 2}, {1}, {1, 0, 0}, {}}) {
            assertThatThrownBy(() -> DataFormat.decode(bad, "test"))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("unreadable data format record");
        }
    }

    @Test
    void describeNamesTheSetting() {
        assertThat(DataFormat.WITH_TTL.describe()).isEqualTo("storage.enable-ttl = true");
    }
}
