package io.tinykv.raftstore.snapshot;

import io.tinykv.storage.Cf;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageFaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory of a store's snapshot files, {@code <data-dir>/snap/}: one SST file per non-empty
 * column family of a region snapshot, named by region, term and index. Files this store generated
 * (as leader) start with {@code gen_}, files it received start with {@code rev_} (with a
 * {@code .meta} file holding the snapshot's {@code RaftSnapshotData}: which files, their sizes and
 * CRC32C). A file being written has a {@code .tmp} name until it is complete and synced, then is
 * renamed: a complete name always means a complete file.
 *
 * <p>Files go when done (received ones after they are ingested, or refused), when stale (a region's
 * generated snapshot when the next one is generated), and at start-up (whatever a crash left,
 * except what a snapshot being applied still needs: {@link #removeLeftovers}).
 *
 * <p>Stateless beyond its directory: thread-safe, and several instances over one directory agree.
 *
 * <p>A failed sync of a snapshot file halts the process ({@link ProcessHalter}, fail-stop): a
 * snapshot is installed from these files, and a file whose sync failed may hold anything.
 */
public final class SnapshotManager {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotManager.class);

    static final String DIR_NAME = "snap";
    private static final String GENERATED_PREFIX = "gen_";
    private static final String RECEIVED_PREFIX = "rev_";
    private static final String SST_SUFFIX = ".sst";
    private static final String META_SUFFIX = ".meta";
    private static final String TEMP_SUFFIX = ".tmp";
    /** Distinguishes temporary files of concurrent writers (two streams of one snapshot). */
    private static final AtomicLong TEMP_IDS = new AtomicLong();

    /** Which snapshot: a region's state at a log index and term. */
    public record SnapshotKey(long regionId, long term, long index) {
        @Override
        public String toString() {
            return regionId + "_" + term + "_" + index;
        }
    }

    private final Path dir;
    private final ProcessHalter halter;
    /** The test seam; null in production. */
    private volatile StorageFaults faults;

    private SnapshotManager(Path dir, ProcessHalter halter) {
        this.dir = dir;
        this.halter = halter;
    }

    /**
     * The snapshot directory of the store whose data directory is {@code dataDir}, created if missing.
     *
     * @throws StorageException when it cannot be created
     */
    public static SnapshotManager open(Path dataDir) {
        return open(dataDir, ProcessHalter.RUNTIME);
    }

    /** Like {@link #open(Path)}; a failed file sync goes to {@code halter}. */
    public static SnapshotManager open(Path dataDir, ProcessHalter halter) {
        Objects.requireNonNull(halter, "halter");
        Path dir = dataDir.toAbsolutePath().normalize().resolve(DIR_NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create the snapshot directory " + dir + ": " + e.getMessage(), e);
        }
        return new SnapshotManager(dir, halter);
    }

    public Path dir() {
        return dir;
    }

    Path generatedFile(SnapshotKey key, Cf cf) {
        return dir.resolve(GENERATED_PREFIX + key + "_" + cf.apiName() + SST_SUFFIX);
    }

    public Path receivedFile(SnapshotKey key, Cf cf) {
        return dir.resolve(RECEIVED_PREFIX + key + "_" + cf.apiName() + SST_SUFFIX);
    }

    public Path receivedMeta(SnapshotKey key) {
        return dir.resolve(RECEIVED_PREFIX + key + META_SUFFIX);
    }

    /** A fresh temporary path beside {@code target}, to be renamed onto it when complete. */
    Path tempFor(Path target) {
        return target.resolveSibling(target.getFileName() + "." + TEMP_IDS.incrementAndGet() + TEMP_SUFFIX);
    }

    /**
     * Renames a complete, synced temporary file onto its final name, and syncs the directory.
     * When the rename fails the temporary file is deleted.
     */
    void commit(Path temp, Path target) {
        try {
            checkFault(StorageFaults.Point.WRITE, "rename " + temp + " to " + target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir();
        } catch (IOException | StorageException e) {
            delete(temp);
            throw new StorageException("cannot rename " + temp + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Syncs a file's content to disk; when that fails, the process halts.
     *
     * @throws ProcessHalter.HaltedException (only with a test's recording halter) when the sync failed
     */
    void syncFile(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            checkFault(StorageFaults.Point.SYNC, "sync " + file);
            channel.force(true);
        } catch (IOException | StorageException e) {
            throw halter.halt("syncing snapshot file " + file, e);
        }
    }

    /**
     * TEST SEAM: from now on the operations {@code faults} arms fail: {@code SYNC} the file syncs,
     * {@code WRITE} the renames into place. Null removes it. Never called in production.
     */
    public void injectFaults(StorageFaults faults) {
        this.faults = faults;
    }

    private void checkFault(StorageFaults.Point point, String what) {
        StorageFaults f = faults;
        if (f != null) {
            f.check(point, what);
        }
    }

    private void syncDir() {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open directories for syncing; renames there are durable
            // only as far as the file system makes them.
            LOG.debug("cannot sync the snapshot directory {}: {}", dir, e.toString());
        }
    }

    /** Deletes the generated files of {@code key}. */
    public void deleteGenerated(SnapshotKey key) {
        for (Cf cf : Cf.values()) {
            delete(generatedFile(key, cf));
        }
    }

    /** Deletes the received files and meta of {@code key}. */
    public void deleteReceived(SnapshotKey key) {
        for (Cf cf : Cf.values()) {
            delete(receivedFile(key, cf));
        }
        delete(receivedMeta(key));
    }

    /** Deletes every snapshot file of {@code regionId}, generated or received (the peer is gone). */
    public void deleteRegion(long regionId) {
        String generated = GENERATED_PREFIX + regionId + "_";
        String received = RECEIVED_PREFIX + regionId + "_";
        for (Path file : list()) {
            String name = file.getFileName().toString();
            if (name.startsWith(generated) || name.startsWith(received)) {
                delete(file);
            }
        }
    }

    /**
     * Deletes every file except the received snapshots in {@code keep} (those a restarted store
     * still has to apply): called at start-up, when nothing else uses the directory.
     */
    public void removeLeftovers(List<SnapshotKey> keep) {
        List<String> kept = new ArrayList<>();
        for (SnapshotKey key : keep) {
            kept.add(receivedMeta(key).getFileName().toString());
            for (Cf cf : Cf.values()) {
                kept.add(receivedFile(key, cf).getFileName().toString());
            }
        }
        int removed = 0;
        for (Path file : list()) {
            if (!kept.contains(file.getFileName().toString())) {
                delete(file);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.info("removed {} leftover snapshot files from {}", removed, dir);
        }
    }

    /** The files in the directory now. */
    public List<Path> list() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshot directory " + dir, e);
        }
        files.sort(null);
        return files;
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete snapshot file {}: {}", file, e.toString());
        }
    }

    @Override
    public String toString() {
        return "SnapshotManager[" + dir + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotManager other && other.dir.equals(dir);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dir);
    }
}
