package io.tinykv.server.pd;

import io.tinykv.scheduler.PersistedLong;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * One 64-bit number kept in a small file, replaced atomically and durably: the new content is
 * written to a temporary file, fsynced, renamed over the old one, and the directory is fsynced,
 * so after a crash the file holds either the old or the new number, never a torn mix. The file
 * carries a CRC so that a corrupt file refuses to load instead of handing out a wrong number.
 */
public final class DurableLong implements PersistedLong {

    private static final int VALUE_BYTES = Long.BYTES;
    private static final int FILE_BYTES = VALUE_BYTES + Integer.BYTES;

    private final Path file;

    public DurableLong(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * The stored number, or empty when the file does not exist yet.
     *
     * @throws IllegalStateException when the file exists but is corrupt
     */
    @Override
    public OptionalLong read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length != FILE_BYTES) {
            throw new IllegalStateException(
                    "corrupt file " + file + ": expected " + FILE_BYTES + " bytes, found " + bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        long value = buf.getLong();
        int storedCrc = buf.getInt();
        if (storedCrc != crc(value)) {
            throw new IllegalStateException("corrupt file " + file + ": checksum mismatch");
        }
        return OptionalLong.of(value);
    }

    /** Durably replaces the stored number; when this returns the new value survives a crash. */
    @Override
    public void write(long value) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer buf = ByteBuffer.allocate(FILE_BYTES).putLong(value).putInt(crc(value)).flip();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static int crc(long value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(VALUE_BYTES).putLong(0, value));
        return (int) crc.getValue();
    }
}
