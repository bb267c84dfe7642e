package io.tinykv.server.standalone;

import io.tinykv.scheduler.MetaStore;
import io.tinykv.scheduler.PersistedLong;
import io.tinykv.server.DataFormatCheck;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.DataFormat;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data dir of the standalone before it was a one-store cluster: its engines ({@code kv/},
 * {@code raft/}) at the top, the user data in the kv engine under the same keys a store uses, and
 * its embedded PD's numbers in {@code pd/} (one checksummed file each). Such a directory is moved
 * into {@link StandaloneLayout} at start, so that the store finds the data as one region over all
 * keys once it bootstraps:
 *
 * <ol>
 *   <li>{@code raft/}, then {@code kv/}, move into {@code store/} (renames on one file system);</li>
 *   <li>the data format is checked as the old standalone checked it ({@link DataFormatCheck}: a
 *       format recorded or user data present means the data exists), and engines that carry a
 *       store identity are refused: they are no old standalone's;</li>
 *   <li>the scheduler's TSO limit is raised to the old PD's, so that no timestamp handed out from
 *       now on is below one the old PD handed out (the data's commit timestamps), and the cluster
 *       id is kept;</li>
 *   <li>{@code pd/} is deleted last: it marks the directory as not moved yet, so a crash at any step
 *       repeats what is left at the next start.</li>
 * </ol>
 */
final class LegacyStandaloneDir {

    private static final Logger LOG = LoggerFactory.getLogger(LegacyStandaloneDir.class);

    static final String PD_DIR = "pd";
    static final String CLUSTER_ID_FILE = "cluster_id";
    static final String TSO_FILE = "tso";
    /** The old PD's number files: an 8-byte big-endian value, then the CRC32C of those 8 bytes. */
    private static final int NUMBER_FILE_BYTES = Long.BYTES + Integer.BYTES;

    private LegacyStandaloneDir() {}

    /**
     * Moves an old standalone's directory into {@code layout}; leaves any other directory alone.
     * Runs under the data dir's lock, before the scheduler and the store open anything.
     *
     * @throws DataFormatCheck.MismatchException when the data was written with the other
     *     {@code enable-ttl} setting (nothing is changed but the move)
     * @throws IllegalStateException when engines lie at the top without {@code pd/}, or carry a
     *     store identity: not an old standalone's directory
     */
    static void migrateIfLegacy(StandaloneLayout layout, Config.Storage storage) {
        Path dir = layout.dataDir();
        Path pd = dir.resolve(PD_DIR);
        if (!Files.isDirectory(pd)) {
            if (Files.exists(dir.resolve(Engines.KV_DIR_NAME)) || Files.exists(dir.resolve(Engines.RAFT_DIR_NAME))) {
                throw new IllegalStateException("data dir " + dir.toAbsolutePath() + " holds RocksDB engines at its "
                        + "top (kv/, raft/) but no pd/: it is not a tinykv standalone's data dir (a tinykv server "
                        + "store's?); give the standalone its own --data-dir");
            }
            return;
        }
        LOG.warn(
                "data dir {} has the layout of an older tinykv standalone (engines at the top, pd/): moving its "
                        + "engines to {}/ and its timestamps to {}/",
                dir.toAbsolutePath(),
                StandaloneLayout.STORE_DIR,
                StandaloneLayout.SCHEDULER_DIR);
        try {
            Files.createDirectories(layout.storeDir());
            moveIfPresent(dir.resolve(Engines.RAFT_DIR_NAME), layout.storeDir().resolve(Engines.RAFT_DIR_NAME));
            moveIfPresent(dir.resolve(Engines.KV_DIR_NAME), layout.storeDir().resolve(Engines.KV_DIR_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the engines of " + dir + " into " + layout.storeDir(), e);
        }
        checkEngines(layout.storeDir(), storage);
        try (MetaStore meta = MetaStore.open(layout.schedulerDir())) {
            OptionalLong clusterId = readNumber(pd.resolve(CLUSTER_ID_FILE));
            if (meta.clusterId().isEmpty() && clusterId.isPresent()) {
                meta.putClusterId(clusterId.getAsLong());
            }
            OptionalLong tsoLimit = readNumber(pd.resolve(TSO_FILE));
            PersistedLong limit = meta.cell(MetaStore.TSO_LIMIT);
            if (tsoLimit.isPresent() && limit.read().orElse(0) < tsoLimit.getAsLong()) {
                limit.write(tsoLimit.getAsLong());
            }
        }
        deleteTree(pd);
        LOG.info("data dir {} moved to the one-store cluster layout", dir.toAbsolutePath());
    }

    private static void moveIfPresent(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void checkEngines(Path storeDir, Config.Storage storage) {
        try (Engines engines = Engines.open(storeDir, storage.toEngineConfig())) {
            if (engines.kv().get(Cf.DEFAULT, Keys.STORE_IDENT_KEY) != null) {
                throw new IllegalStateException("data dir " + storeDir + " holds a store identity beside an old "
                        + "standalone's pd/: it is not an old standalone's data dir; move pd/ away or use "
                        + "another --data-dir");
            }
            boolean created = DataFormat.read(engines.kv()).isPresent() || DataFormatCheck.hasUserData(engines.kv());
            DataFormatCheck.verifyOrRecord(engines.kv(), storage.dataFormat(), created, storeDir.toString());
        }
    }

    /** One of the old PD's numbers; empty when its file does not exist. */
    static OptionalLong readNumber(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length != NUMBER_FILE_BYTES) {
            throw new IllegalStateException(
                    "corrupt file " + file + ": expected " + NUMBER_FILE_BYTES + " bytes, found " + bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        long value = buf.getLong();
        if (buf.getInt() != crc(value)) {
            throw new IllegalStateException("corrupt file " + file + ": checksum mismatch");
        }
        return OptionalLong.of(value);
    }

    static int crc(long value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, value));
        return (int) crc.getValue();
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
