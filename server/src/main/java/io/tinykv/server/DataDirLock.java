package io.tinykv.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive ownership of a data directory, held through an OS lock on {@code <dir>/LOCK} for the
 * life of the process. Taken before anything else in the directory is touched, so that a second
 * process on the same directory stops with a clear message instead of corrupting the first one's
 * files. The OS releases the lock if the process dies.
 */
public final class DataDirLock implements AutoCloseable {

    public static final String LOCK_FILE_NAME = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;
    private final Path dir;

    private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed and locks it.
     *
     * @throws DataDirLockedException when another process (or this one) holds the lock
     */
    public static DataDirLock acquire(Path dir) {
        Path lockFile = dir.resolve(LOCK_FILE_NAME);
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw locked(dir, lockFile);
            }
            return new DataDirLock(dir, channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw locked(dir, lockFile);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock data dir " + dir + " (" + lockFile + ")", e);
        } catch (DataDirLockedException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock on " + dir, e);
        }
    }

    private static DataDirLockedException locked(Path dir, Path lockFile) {
        return new DataDirLockedException("data dir " + dir.toAbsolutePath()
                + " is in use by another tinykv process (lock file " + lockFile.toAbsolutePath()
                + " is held); stop that process or choose another --data-dir");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                // Already failing with a better message; the channel is unusable either way.
            }
        }
    }

    /** Another process owns the data directory. */
    public static final class DataDirLockedException extends RuntimeException {
        public DataDirLockedException(String message) {
            super(message);
        }
    }
}
