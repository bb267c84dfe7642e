package io.tinykv.nemesis;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small size-limited tmpfs mounted (as root) over one store's data directory, and a ballast file
 * that fills it: the disk-full fault. {@link #fill()} writes until the kernel answers ENOSPC, so the
 * fault is confirmed by the file system itself; {@link #drain()} deletes the ballast.
 */
final class TmpfsDisk implements AutoCloseable {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final long MOUNT_TIMEOUT_SECONDS = 30;
    private static final String BALLAST = "nemesis-ballast";

    private final Path mountPoint;
    private boolean mounted;

    private TmpfsDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code bytes} at {@code mountPoint} (created if missing); needs root. */
    static TmpfsDisk mount(Path mountPoint, long bytes) {
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + mountPoint, e);
        }
        run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mountPoint.toString());
        TmpfsDisk disk = new TmpfsDisk(mountPoint);
        disk.mounted = true;
        return disk;
    }

    /**
     * Whether this process may mount a tmpfs (root with the capability to mount, as in CI): tried for
     * real on a scratch folder, since a container's root may lack it.
     */
    static boolean canMount() {
        try {
            Path probe = Files.createTempDirectory("nemesis-mount-probe");
            try {
                mount(probe, 1 << 20).close();
                return true;
            } catch (RuntimeException e) {
                return false;
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Fills the file system with the ballast until ENOSPC; returns the bytes written. */
    long fill() {
        Path ballast = mountPoint.resolve(BALLAST);
        byte[] chunk = new byte[CHUNK_BYTES];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(ballast)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw new UncheckedIOException("filling " + mountPoint + " failed otherwise than ENOSPC", full);
            }
        }
        // The last partial chunk may also have fitted in part: top up byte by byte is not worth it,
        // what is left is less than one chunk, which is the point.
        return written;
    }

    /** Free bytes for an unprivileged writer now. */
    long usableBytes() {
        try {
            FileStore store = Files.getFileStore(mountPoint);
            return store.getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + mountPoint, e);
        }
    }

    /** Deletes the ballast; the disk has room again. */
    void drain() {
        try {
            Files.deleteIfExists(mountPoint.resolve(BALLAST));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the ballast in " + mountPoint, e);
        }
    }

    @Override
    public void close() {
        if (mounted) {
            mounted = false;
            run("umount", "-l", mountPoint.toString());
        }
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }
}
