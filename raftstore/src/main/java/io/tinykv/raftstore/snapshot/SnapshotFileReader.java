package io.tinykv.raftstore.snapshot;

import com.google.protobuf.ByteString;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.storage.Cf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The sending side of a snapshot: reads the generated files that a snapshot message describes,
 * from the sender's {@link SnapshotManager}, in the order of its metadata, as chunks of at most
 * {@code chunkBytes}. Only one chunk is in memory at a time. One thread at a time.
 */
public final class SnapshotFileReader implements AutoCloseable {

    private final List<Path> files;
    private final int chunkBytes;
    private final long totalBytes;
    private int fileIndex;
    private InputStream in;
    private ByteString next;
    private long bytesRead;

    private SnapshotFileReader(List<Path> files, int chunkBytes, long totalBytes) {
        this.files = files;
        this.chunkBytes = chunkBytes;
        this.totalBytes = totalBytes;
    }

    /**
     * Opens the files of the snapshot in {@code message}.
     *
     * @throws IllegalArgumentException when the message is no well-formed snapshot, or a file is
     *     missing (the snapshot went stale and was deleted)
     */
    public static SnapshotFileReader open(SnapshotManager manager, RaftMessage message, int chunkBytes) {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        SnapshotData.ParsedSnapshot snapshot =
                SnapshotData.parse(message.getMessage().getSnapshot().getData(), message.getRegionId());
        var key = SnapshotReceiver.keyOf(message);
        List<Path> files = SnapshotData.paths(snapshot, (Cf cf) -> manager.generatedFile(key, cf));
        for (Path file : files) {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("snapshot file " + file + " is gone (the snapshot is stale)");
            }
        }
        return new SnapshotFileReader(files, chunkBytes, snapshot.totalBytes());
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Bytes handed out so far. */
    long bytesRead() {
        return bytesRead;
    }

    /**
     * Whether another chunk follows.
     *
     * @throws IllegalArgumentException when a file cannot be read
     */
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        byte[] buffer = new byte[chunkBytes];
        try {
            while (fileIndex < files.size()) {
                if (in == null) {
                    in = Files.newInputStream(files.get(fileIndex));
                }
                int n = in.readNBytes(buffer, 0, chunkBytes);
                if (n > 0) {
                    next = ByteString.copyFrom(buffer, 0, n);
                    return true;
                }
                in.close();
                in = null;
                fileIndex++;
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("snapshot file " + files.get(fileIndex) + " is gone", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read snapshot file " + files.get(fileIndex) + ": " + e, e);
        }
        return false;
    }

    public ByteString next() {
        if (!hasNext()) {
            throw new IllegalStateException("no more snapshot data");
        }
        ByteString chunk = next;
        next = null;
        bytesRead += chunk.size();
        return chunk;
    }

    @Override
    public void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // Read-only: nothing to lose.
            }
            in = null;
        }
    }
}
