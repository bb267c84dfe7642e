package io.tinykv.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's JNI library once per process from a copy kept per user under the temporary
 * directory, so a process killed with SIGKILL leaves nothing behind.
 *
 * <p>Why: left to itself, rocksdbjni copies its 15 MB library to a fresh temporary file in every
 * process and deletes it only on an orderly JVM exit. Stores are killed on purpose (tests,
 * {@code kill -9}, the OOM killer), and each kill left one more file: 4,225 of them filled a CI
 * machine's disk until every store refused writes under {@code storage.reserve-space}.
 *
 * <p>The copy lives in {@code <java.io.tmpdir>/tinykv-native-<user>/<key>/}, the key naming the
 * library's bytes (the jar entry's CRC-32 and size, or a SHA-256 of the bytes), so an upgrade gets
 * its own copy and a copy is never changed in place. It is written to a temporary file beside it
 * and renamed over, so a reader never sees half a library. The per-user directory is created
 * owner-only and refused if anyone else can write to it: a library loaded from a directory
 * others control would run their code inside the store.
 *
 * <p>If anything here fails, RocksDB's own loader runs instead, with a warning: the store works,
 * only the leak is back.
 */
public final class RocksDbLibrary {

    private static final Logger LOG = LoggerFactory.getLogger(RocksDbLibrary.class);

    static final String CACHE_DIR_PREFIX = "tinykv-native-";

    /** A partial copy this old belongs to a process that died while writing it. */
    private static final Duration ABANDONED_PART_AGE = Duration.ofMinutes(10);

    private static final String PART_SUFFIX = ".part";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static boolean loaded;

    private RocksDbLibrary() {}

    /** Loads the library if this process has not yet; safe to call from any thread, any number of times. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            Path dir = cachedCopyDir(tmp.resolve(CACHE_DIR_PREFIX + System.getProperty("user.name")));
            RocksDB.loadLibrary(List.of(dir.toString()));
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            LOG.warn(
                    "could not load RocksDB's library from a cached copy under {} ({}); RocksDB's own"
                            + " loader copies it to a new temporary file, which a killed process leaves behind",
                    tmp,
                    e.toString());
            RocksDB.loadLibrary();
        }
        loaded = true;
    }

    /** The directory holding this jar's library under the name RocksDB's loader looks for. */
    static Path cachedCopyDir(Path userDir) throws IOException {
        String resource = Environment.getJniLibraryFileName("rocksdb");
        URL url = RocksDB.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IOException("the rocksdbjni jar has no " + resource + " for this platform");
        }
        ensureOwnerOnlyDirectory(userDir);
        LibraryKey key = contentKey(url);
        Path dir = userDir.resolve(key.name());
        Files.createDirectories(dir);
        // RocksDB.loadLibrary(paths) loads <path>/getJniLibraryFileName("rocksdbjni"), which is
        // "librocksdbjnijni-…" (its own loader extracts "librocksdbjni-…"); ask it for the name
        // rather than spell it, so the copy is found as long as RocksDB keeps using that call.
        Path library = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
        removeAbandonedParts(dir);
        // A copy of the wrong size (truncated by hand, or by a disk repair) is replaced, not loaded.
        if (!Files.isRegularFile(library, LinkOption.NOFOLLOW_LINKS) || Files.size(library) != key.sizeBytes()) {
            copy(url, library);
        }
        return dir;
    }

    private static void ensureOwnerOnlyDirectory(Path userDir) throws IOException {
        try {
            Files.createDirectory(userDir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // Created by an earlier process; checked below like any other.
        }
        if (!Files.isDirectory(userDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(userDir + " is not a directory");
        }
        String owner = Files.getOwner(userDir, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new IOException(userDir + " belongs to " + owner + ", not to this process's user");
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(userDir, LinkOption.NOFOLLOW_LINKS);
        if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(
                    userDir + " is writable by others (" + PosixFilePermissions.toString(permissions) + ")");
        }
    }

    /** The directory name that names the library's bytes, and how many bytes a whole copy has. */
    private record LibraryKey(String name, long sizeBytes) {}

    /** Names the library's bytes: the jar entry's CRC-32 and size, read without inflating it. */
    private static LibraryKey contentKey(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        if (connection instanceof JarURLConnection jar) {
            jar.setUseCaches(false);
            JarEntry entry = jar.getJarEntry();
            if (entry.getCrc() >= 0 && entry.getSize() >= 0) {
                return new LibraryKey("crc32-%08x-%d".formatted(entry.getCrc(), entry.getSize()), entry.getSize());
            }
        }
        try (DigestInputStream in = new DigestInputStream(url.openStream(), MessageDigest.getInstance("SHA-256"))) {
            long size = in.transferTo(OutputStream.nullOutputStream());
            return new LibraryKey(
                    "sha256-" + HexFormat.of().formatHex(in.getMessageDigest().digest()), size);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void copy(URL url, Path library) throws IOException {
        Path part =
                Files.createTempFile(library.getParent(), library.getFileName().toString(), PART_SUFFIX);
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(part, library, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("copied RocksDB's library to {}", library);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static void removeAbandonedParts(Path dir) throws IOException {
        FileTime cutoff = FileTime.from(Instant.now().minus(ABANDONED_PART_AGE));
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, "*" + PART_SUFFIX)) {
            for (Path part : parts) {
                try {
                    if (Files.getLastModifiedTime(part, LinkOption.NOFOLLOW_LINKS)
                                    .compareTo(cutoff)
                            < 0) {
                        Files.deleteIfExists(part);
                    }
                } catch (IOException e) {
                    // Another process removed or finished it; nothing to clean.
                }
            }
        }
    }
}
