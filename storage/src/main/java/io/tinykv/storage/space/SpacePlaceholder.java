package io.tinykv.storage.space;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file of zeros in the data directory that holds part of the reserve (TiKV's
 * {@code space_placeholder_file}). When the disk fills up anyway (another process, a compaction),
 * deleting it gives the store room to keep appending its Raft log, to restart and to recover.
 *
 * <p>Written, not sized: a sparse file ({@code setLength}) would hold no blocks. It is not synced:
 * the file system counts the blocks as used when they are written, and a placeholder cut short by
 * a crash is found short and written again.
 */
public final class SpacePlaceholder {

    public static final String FILE_NAME = "space_placeholder_file";
    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;

    public SpacePlaceholder(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** Its size, 0 when there is none. */
    public long sizeBytes() throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /**
     * Writes the placeholder with {@code bytes} zeros, replacing any older one.
     *
     * @throws IOException when it cannot (e.g. no space left); no partial file stays behind then
     */
    public void create(long bytes) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(CHUNK_BYTES);
        try (FileChannel channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long written = 0;
            while (written < bytes) {
                zeros.clear().limit((int) Math.min(CHUNK_BYTES, bytes - written));
                while (zeros.hasRemaining()) {
                    written += channel.write(zeros);
                }
            }
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Deletes the placeholder; whether there was one. */
    public boolean delete() throws IOException {
        return Files.deleteIfExists(file);
    }
}
