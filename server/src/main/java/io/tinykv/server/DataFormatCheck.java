package io.tinykv.server;

import io.tinykv.storage.Cf;
import io.tinykv.storage.DataFormat;
import io.tinykv.storage.Engine;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store's settings that decide the on-disk layout ({@link DataFormat}, today
 * {@code storage.enable-ttl}) as they were when the store's data was created: a new store records
 * the configured format; an existing one refuses to start with another, because it would misread
 * every raw value already written (TiKV refuses such a restart too).
 */
public final class DataFormatCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DataFormatCheck.class);

    private DataFormatCheck() {}

    /** The configured data format differs from the one the data was created with. */
    public static final class MismatchException extends RuntimeException {
        MismatchException(String message) {
            super(message);
        }
    }

    /**
     * Records {@code configured} in a store whose data was not created yet; checks it against
     * the recorded one (none recorded: the store predates the record and has no TTL) otherwise.
     *
     * @param created whether the store's data exists already (a replicated store: its identity
     *     is written; an older standalone's data dir: a format is recorded or user data exists)
     * @throws MismatchException saying which setting the data has and what to do
     */
    public static void verifyOrRecord(Engine kv, DataFormat configured, boolean created, String dataDir) {
        Optional<DataFormat> recorded = DataFormat.read(kv);
        if (!created) {
            if (!recorded.equals(Optional.of(configured))) {
                configured.persist(kv);
            }
            LOG.info("new store data in {}: {}", dataDir, configured.describe());
            return;
        }
        DataFormat actual = recorded.orElse(DataFormat.WITHOUT_TTL);
        if (!actual.equals(configured)) {
            throw new MismatchException("data dir " + dataDir + " was created with " + actual.describe()
                    + ", but this start has " + configured.describe() + ". The setting decides how RawKV values "
                    + "are stored, so it cannot change once a store has data: start with " + actual.describe()
                    + (actual.rawValueTtl() ? " (--enable-ttl)" : " (without --enable-ttl)")
                    + ", or create a new cluster with empty data dirs for every store to use the other setting");
        }
    }

    /** Whether the kv engine holds any user key, in any column family. */
    public static boolean hasUserData(Engine kv) {
        try (SnapshotReader reader = kv.snapshot()) {
            for (Cf cf : kv.kind().columnFamilies()) {
                try (KvIterator it = reader.iterator(cf, Keys.DATA_MIN_KEY, Keys.DATA_MAX_KEY)) {
                    it.seekToFirst();
                    if (it.valid()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
