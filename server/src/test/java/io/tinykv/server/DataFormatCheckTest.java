package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.storage.Cf;
import io.tinykv.storage.DataFormat;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New store data records the configured format; existing data keeps the one it was created with. */
class DataFormatCheckTest {

    @TempDir
    Path dir;

    private Engines open() {
        return Engines.open(dir, EngineConfig.defaults());
    }

    @Test
    void newDataRecordsTheConfiguredFormatAndExistingDataMustMatchIt() {
        try (Engines engines = open()) {
            DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITH_TTL, false, "d");
            assertThat(DataFormat.read(engines.kv())).contains(DataFormat.WITH_TTL);
            DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITH_TTL, true, "d");
            assertThatThrownBy(() -> DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITHOUT_TTL, true, "d"))
                    .isInstanceOf(DataFormatCheck.MismatchException.class)
                    .hasMessage("data dir d was created with storage.enable-ttl = true, but this start has "
                            + "storage.enable-ttl = false. The setting decides how RawKV values are stored, so it "
                            + "cannot change once a store has data: start with storage.enable-ttl = true "
                            + "(--enable-ttl), or create a new cluster with empty data dirs for every store to use "
                            + "the other setting");
            assertThat(DataFormat.read(engines.kv()))
                    .as("a refused start changes nothing")
                    .contains(DataFormat.WITH_TTL);
        }
    }

    @Test
    void dataCreatedBeforeTheRecordHasNoTtl() {
        try (Engines engines = open()) {
            DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITHOUT_TTL, true, "d");
            assertThat(DataFormat.read(engines.kv())).isEmpty();
            assertThatThrownBy(() -> DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITH_TTL, true, "d"))
                    .isInstanceOf(DataFormatCheck.MismatchException.class)
                    .hasMessageContaining("created with storage.enable-ttl = false");
        }
    }

    @Test
    void dataNotCreatedYetTakesTheLatestSetting() {
        // A store that crashed after recording its format but before its identity has no data yet.
        try (Engines engines = open()) {
            DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITH_TTL, false, "d");
            DataFormatCheck.verifyOrRecord(engines.kv(), DataFormat.WITHOUT_TTL, false, "d");
            assertThat(DataFormat.read(engines.kv())).contains(DataFormat.WITHOUT_TTL);
        }
    }

    @Test
    void userDataIsFoundInAnyColumnFamilyButLocalKeysAreNotUserData() {
        try (Engines engines = open()) {
            assertThat(DataFormatCheck.hasUserData(engines.kv())).isFalse();
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                wb.put(Cf.DEFAULT, Keys.STORE_IDENT_KEY, new byte[] {1});
                engines.kv().write(wb, true);
            }
            DataFormat.WITH_TTL.persist(engines.kv());
            assertThat(DataFormatCheck.hasUserData(engines.kv())).isFalse();
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                wb.put(Cf.WRITE, Keys.dataKey("k".getBytes(StandardCharsets.UTF_8)), new byte[] {1});
                engines.kv().write(wb, true);
            }
            assertThat(DataFormatCheck.hasUserData(engines.kv())).isTrue();
        }
    }
}
