package io.tinykv.raftstore.transport.grpc;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;

/**
 * How a snapshot travels on the {@code Snapshot} stream. The first chunk carries the snapshot
 * message alone (its {@code data} is the small {@code RaftSnapshotData} naming the column
 * families' SST files with their sizes and CRC32C); every later chunk carries the next bytes of
 * those files, concatenated in the metadata's order, and no message. The header first lets the
 * receiver check what it is getting before any file data arrives, and sizes each file.
 */
final class SnapshotChunks {

    private SnapshotChunks() {}

    static boolean isSnapshot(RaftMessage message) {
        return message.getMessage().getMsgType() == MessageType.MsgSnapshot;
    }

    static SnapshotChunk header(RaftMessage message) {
        if (!isSnapshot(message)) {
            throw new IllegalArgumentException(
                    "not a snapshot message: " + message.getMessage().getMsgType());
        }
        return SnapshotChunk.newBuilder().setMessage(message).build();
    }

    static SnapshotChunk data(ByteString bytes) {
        return SnapshotChunk.newBuilder().setData(bytes).build();
    }

    /**
     * Puts one snapshot's files back together on the receiving side, in the store's snapshot
     * directory; one per stream, used by one thread at a time (gRPC delivers a stream's messages
     * serially). Every problem is an {@link IllegalArgumentException} naming it, for the sender to
     * see as INVALID_ARGUMENT; {@link #close} deletes what an unfinished stream left.
     */
    static final class Assembler implements AutoCloseable {

        private final SnapshotManager manager;
        private final long maxSnapshotBytes;
        private SnapshotReceiver receiver;

        Assembler(SnapshotManager manager, long maxSnapshotBytes) {
            this.manager = manager;
            this.maxSnapshotBytes = maxSnapshotBytes;
        }

        void accept(SnapshotChunk chunk) {
            if (receiver == null) {
                if (!chunk.hasMessage() || !isSnapshot(chunk.getMessage())) {
                    throw new IllegalArgumentException("the first snapshot chunk must carry a MsgSnapshot message");
                }
                if (!chunk.getData().isEmpty()) {
                    throw new IllegalArgumentException("the first snapshot chunk must carry no data");
                }
                receiver = SnapshotReceiver.start(manager, chunk.getMessage(), maxSnapshotBytes);
                return;
            }
            if (chunk.hasMessage()) {
                throw new IllegalArgumentException("snapshot chunk after the first carries a message");
            }
            receiver.accept(chunk.getData());
        }

        /** The receiver of the snapshot the stream's header announced, or null before the header. */
        SnapshotReceiver receiver() {
            return receiver;
        }

        /** The snapshot message, once the sender ended the stream and every file checked out. */
        RaftMessage finish() {
            if (receiver == null) {
                throw new IllegalArgumentException("snapshot stream ended before its first chunk");
            }
            return receiver.finish();
        }

        @Override
        public void close() {
            if (receiver != null) {
                receiver.close();
            }
        }
    }
}
