package io.tinykv.raftstore.transport.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import java.util.ArrayList;
import java.util.List;

/**
 * How a snapshot message travels on the {@code Snapshot} stream. The first chunk carries the
 * RaftMessage with its snapshot's {@code data} emptied and no data of its own; every later chunk
 * carries the next slice of the data (at most the chunk size) and no message. Keeping the header
 * alone in the first chunk lets the receiver check what it is getting before any data arrives, and
 * keeps each chunk under the chunk size whatever the header's size.
 */
final class SnapshotChunks {

    private SnapshotChunks() {}

    static boolean isSnapshot(RaftMessage message) {
        return message.getMessage().getMsgType() == MessageType.MsgSnapshot;
    }

    /** Cuts a snapshot message into chunks of at most {@code chunkBytes} of data. */
    static List<SnapshotChunk> split(RaftMessage message, int chunkBytes) {
        if (!isSnapshot(message)) {
            throw new IllegalArgumentException("not a snapshot message: " + message.getMessage().getMsgType());
        }
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        ByteString data = message.getMessage().getSnapshot().getData();
        RaftMessage.Builder header = message.toBuilder();
        header.getMessageBuilder().getSnapshotBuilder().clearData();
        List<SnapshotChunk> chunks = new ArrayList<>(1 + data.size() / chunkBytes + 1);
        chunks.add(SnapshotChunk.newBuilder().setMessage(header).build());
        for (int offset = 0; offset < data.size(); offset += chunkBytes) {
            int end = Math.min(data.size(), offset + chunkBytes);
            chunks.add(SnapshotChunk.newBuilder().setData(data.substring(offset, end)).build());
        }
        return chunks;
    }

    /**
     * Puts one snapshot's chunks back together on the receiving side; one per stream, used by one
     * thread at a time (gRPC delivers a stream's messages serially). Every problem is an
     * {@link IllegalArgumentException} naming it, for the sender to see as INVALID_ARGUMENT.
     */
    static final class Assembler {

        private final long maxSnapshotBytes;
        private RaftMessage header;
        private final List<ByteString> slices = new ArrayList<>();
        private long dataBytes;

        Assembler(long maxSnapshotBytes) {
            this.maxSnapshotBytes = maxSnapshotBytes;
        }

        void accept(SnapshotChunk chunk) {
            if (header == null) {
                if (!chunk.hasMessage() || !isSnapshot(chunk.getMessage())) {
                    throw new IllegalArgumentException("the first snapshot chunk must carry a MsgSnapshot message");
                }
                if (!chunk.getData().isEmpty()) {
                    throw new IllegalArgumentException("the first snapshot chunk must carry no data");
                }
                header = chunk.getMessage();
                return;
            }
            if (chunk.hasMessage()) {
                throw new IllegalArgumentException("snapshot chunk after the first carries a message");
            }
            if (dataBytes + chunk.getData().size() > maxSnapshotBytes) {
                throw new IllegalArgumentException("snapshot of region " + header.getRegionId() + " exceeds "
                        + maxSnapshotBytes + " bytes");
            }
            slices.add(chunk.getData());
            dataBytes += chunk.getData().size();
        }

        /**
         * The reassembled message, once the sender ended the stream. Checks the data is a snapshot
         * of the message's region; the store checks the column families' sizes and checksums.
         */
        RaftMessage finish() {
            if (header == null) {
                throw new IllegalArgumentException("snapshot stream ended before its first chunk");
            }
            ByteString bytes = ByteString.copyFrom(slices);
            RaftSnapshotData parsed;
            try {
                parsed = RaftSnapshotData.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException("snapshot data of region " + header.getRegionId()
                        + " is not a RaftSnapshotData: " + e.getMessage(), e);
            }
            if (parsed.getRegion().getId() != header.getRegionId()) {
                throw new IllegalArgumentException("snapshot data is of region " + parsed.getRegion().getId()
                        + " but the message is for region " + header.getRegionId());
            }
            RaftMessage.Builder message = header.toBuilder();
            message.getMessageBuilder().getSnapshotBuilder().setData(bytes);
            return message.build();
        }
    }
}
