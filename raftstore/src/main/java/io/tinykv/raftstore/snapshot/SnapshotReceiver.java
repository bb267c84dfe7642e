package io.tinykv.raftstore.snapshot;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.storage.Cf;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Receives one snapshot into a store's {@link SnapshotManager}: the snapshot message first, then
 * the bytes of its column families' files, concatenated in the order of its metadata and cut into
 * chunks of any size. Each file is written under a temporary name, and checked on completion
 * against the size and CRC32C the sender recorded; only a snapshot whose every file checks out is
 * renamed into place (with its metadata) and its message handed back for the store. Used by every
 * transport (gRPC's {@code PeerService}, the simulator's network), by one thread at a time.
 *
 * <p>Every problem is an {@link IllegalArgumentException} naming it; the partial files are deleted
 * by {@link #close} unless {@link #finish} succeeded.
 */
public final class SnapshotReceiver implements AutoCloseable {

    private final SnapshotManager manager;
    private final RaftMessage message;
    private final SnapshotKey key;
    private final SnapshotData.ParsedSnapshot snapshot;
    private final List<Path> temps = new ArrayList<>();
    private int fileIndex;
    private long fileBytes;
    private OutputStream out;
    private CRC32C crc = new CRC32C();
    private boolean finished;

    private SnapshotReceiver(
            SnapshotManager manager, RaftMessage message, SnapshotKey key, SnapshotData.ParsedSnapshot snapshot) {
        this.manager = manager;
        this.message = message;
        this.key = key;
        this.snapshot = snapshot;
    }

    /**
     * Starts receiving the snapshot that {@code message} announces.
     *
     * @param maxSnapshotBytes a snapshot whose files are larger in total is refused
     * @throws IllegalArgumentException when the message is not a well-formed snapshot message
     */
    public static SnapshotReceiver start(SnapshotManager manager, RaftMessage message, long maxSnapshotBytes) {
        if (message.getMessage().getMsgType() != MessageType.MsgSnapshot) {
            throw new IllegalArgumentException(
                    "not a snapshot message: " + message.getMessage().getMsgType());
        }
        SnapshotData.ParsedSnapshot snapshot =
                SnapshotData.parse(message.getMessage().getSnapshot().getData(), message.getRegionId());
        if (snapshot.totalBytes() > maxSnapshotBytes) {
            throw new IllegalArgumentException("snapshot of region " + message.getRegionId() + " has "
                    + snapshot.totalBytes() + " bytes, more than the " + maxSnapshotBytes + " accepted");
        }
        return new SnapshotReceiver(manager, message, keyOf(message), snapshot);
    }

    /** Which snapshot a snapshot message carries. */
    public static SnapshotKey keyOf(RaftMessage message) {
        var metadata = message.getMessage().getSnapshot().getMetadata();
        return new SnapshotKey(message.getRegionId(), metadata.getTerm(), metadata.getIndex());
    }

    SnapshotKey key() {
        return key;
    }

    /** The snapshot message that announced the snapshot. */
    public RaftMessage message() {
        return message;
    }

    /** The region the snapshot describes (from its header, checked against the message's region id). */
    public io.tinykv.proto.Metapb.Region region() {
        return snapshot.region();
    }

    /** The bytes of its files, as its header announces them. */
    public long totalBytes() {
        return snapshot.totalBytes();
    }

    /**
     * Writes the next bytes.
     *
     * @throws IllegalArgumentException when they go past the end of the last file, or a finished
     *     file does not match its size and checksum
     */
    public void accept(ByteString data) {
        if (finished) {
            throw new IllegalStateException("snapshot " + key + " is already finished");
        }
        int offset = 0;
        while (offset < data.size()) {
            if (fileIndex >= snapshot.files().size()) {
                throw new IllegalArgumentException("snapshot " + key + " received more bytes than its "
                        + snapshot.totalBytes() + " bytes of files");
            }
            SnapshotCFFile file = snapshot.files().get(fileIndex);
            int n = (int) Math.min(data.size() - offset, file.getSize() - fileBytes);
            ByteString slice = data.substring(offset, offset + n);
            try {
                if (out == null) {
                    Path temp = manager.tempFor(manager.receivedFile(key, Cf.fromApiName(file.getCf())));
                    temps.add(temp);
                    out = Files.newOutputStream(temp);
                }
                slice.writeTo(out);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "snapshot " + key + ": cannot write its " + file.getCf() + " file: " + e, e);
            }
            for (var buffer : slice.asReadOnlyByteBufferList()) {
                crc.update(buffer);
            }
            fileBytes += n;
            offset += n;
            if (fileBytes == file.getSize()) {
                completeFile(file);
            }
        }
    }

    private void completeFile(SnapshotCFFile file) {
        closeOut();
        if ((int) crc.getValue() != file.getChecksum()) {
            throw new IllegalArgumentException("snapshot " + key + ": the " + file.getCf() + " file arrived corrupt"
                    + " (CRC32C " + Long.toHexString(crc.getValue()) + ", expected "
                    + Integer.toUnsignedString(file.getChecksum(), 16) + ")");
        }
        manager.syncFile(temps.get(temps.size() - 1));
        fileIndex++;
        fileBytes = 0;
        crc = new CRC32C();
    }

    /**
     * Completes the snapshot: every file arrived whole and checked, so they and the metadata take
     * their final names.
     *
     * @return the snapshot message, for the store
     * @throws IllegalArgumentException when bytes are missing (the stream was truncated)
     */
    public RaftMessage finish() {
        if (fileIndex < snapshot.files().size()) {
            long received = fileBytes;
            for (int i = 0; i < fileIndex; i++) {
                received += snapshot.files().get(i).getSize();
            }
            throw new IllegalArgumentException("snapshot " + key + " is truncated: " + received + " of "
                    + snapshot.totalBytes() + " bytes arrived");
        }
        for (int i = 0; i < temps.size(); i++) {
            Cf cf = Cf.fromApiName(snapshot.files().get(i).getCf());
            manager.commit(temps.get(i), manager.receivedFile(key, cf));
        }
        Path metaTemp = manager.tempFor(manager.receivedMeta(key));
        try {
            Files.write(metaTemp, message.getMessage().getSnapshot().getData().toByteArray());
        } catch (IOException e) {
            SnapshotManager.delete(metaTemp);
            throw new IllegalArgumentException("snapshot " + key + ": cannot write its metadata: " + e, e);
        }
        manager.syncFile(metaTemp);
        manager.commit(metaTemp, manager.receivedMeta(key));
        finished = true;
        return message;
    }

    private void closeOut() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new IllegalArgumentException("snapshot " + key + ": cannot close a file: " + e, e);
            }
            out = null;
        }
    }

    /** Gives up an unfinished snapshot: its partial files are deleted. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        try {
            closeOut();
        } catch (IllegalArgumentException e) {
            // Deleting anyway.
        }
        temps.forEach(SnapshotManager::delete);
    }
}
