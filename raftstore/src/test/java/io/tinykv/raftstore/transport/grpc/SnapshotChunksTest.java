package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.KeyValue;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotChunksTest {

    private static final long REGION_ID = 7;
    private static final int CHUNK_BYTES = 64;
    private static final long NO_LIMIT = Long.MAX_VALUE;

    private static ByteString snapshotData(long regionId, int pairs) {
        RaftSnapshotData.Builder data = RaftSnapshotData.newBuilder()
                .setRegion(Metapb.Region.newBuilder().setId(regionId));
        for (int i = 0; i < pairs; i++) {
            data.addData(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("zkey" + i))
                    .setValue(ByteString.copyFromUtf8("value" + i)));
        }
        return data.build().toByteString();
    }

    private static RaftMessage snapshotMessage(long regionId, ByteString data) {
        return RaftMessage.newBuilder().setRegionId(regionId)
                .setFromPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setToPeer(Metapb.Peer.newBuilder().setId(2).setStoreId(2))
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgSnapshot)
                        .setSnapshot(Eraftpb.Snapshot.newBuilder().setData(data)
                                .setMetadata(Eraftpb.SnapshotMetadata.newBuilder().setIndex(42).setTerm(3))))
                .build();
    }

    private static RaftMessage reassemble(List<SnapshotChunk> chunks, long maxBytes) {
        SnapshotChunks.Assembler assembler = new SnapshotChunks.Assembler(maxBytes);
        chunks.forEach(assembler::accept);
        return assembler.finish();
    }

    @Test
    void splitsIntoAHeaderAndBoundedDataChunksThatReassembleToTheMessage() {
        ByteString data = snapshotData(REGION_ID, 20);
        RaftMessage message = snapshotMessage(REGION_ID, data);
        List<SnapshotChunk> chunks = SnapshotChunks.split(message, CHUNK_BYTES);

        assertThat(chunks.get(0).hasMessage()).isTrue();
        assertThat(chunks.get(0).getData().isEmpty()).isTrue();
        assertThat(chunks.get(0).getMessage().getMessage().getSnapshot().getData().isEmpty()).isTrue();
        assertThat(chunks).hasSize(1 + (data.size() + CHUNK_BYTES - 1) / CHUNK_BYTES);
        for (SnapshotChunk chunk : chunks.subList(1, chunks.size())) {
            assertThat(chunk.hasMessage()).isFalse();
            assertThat(chunk.getData().size()).isBetween(1, CHUNK_BYTES);
        }
        assertThat(reassemble(chunks, NO_LIMIT)).isEqualTo(message);
    }

    @Test
    void refusesANonSnapshotMessage() {
        RaftMessage append = RaftMessage.newBuilder().setRegionId(REGION_ID)
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgAppend)).build();
        assertThatThrownBy(() -> SnapshotChunks.split(append, CHUNK_BYTES)).hasMessageContaining("not a snapshot");
        SnapshotChunks.Assembler assembler = new SnapshotChunks.Assembler(NO_LIMIT);
        assertThatThrownBy(() -> assembler.accept(SnapshotChunk.newBuilder().setMessage(append).build()))
                .hasMessageContaining("first snapshot chunk must carry a MsgSnapshot");
    }

    @Test
    void refusesAStreamWithAMessageInALaterChunk() {
        List<SnapshotChunk> chunks = SnapshotChunks.split(snapshotMessage(REGION_ID, snapshotData(REGION_ID, 5)),
                CHUNK_BYTES);
        SnapshotChunks.Assembler assembler = new SnapshotChunks.Assembler(NO_LIMIT);
        assembler.accept(chunks.get(0));
        assertThatThrownBy(() -> assembler.accept(chunks.get(0))).hasMessageContaining("after the first");
    }

    @Test
    void refusesASnapshotLargerThanTheLimit() {
        ByteString data = snapshotData(REGION_ID, 20);
        List<SnapshotChunk> chunks = SnapshotChunks.split(snapshotMessage(REGION_ID, data), CHUNK_BYTES);
        assertThatThrownBy(() -> reassemble(chunks, data.size() - 1)).hasMessageContaining("exceeds");
    }

    @Test
    void refusesATruncatedOrForeignSnapshot() {
        ByteString data = snapshotData(REGION_ID, 20);
        List<SnapshotChunk> chunks = SnapshotChunks.split(snapshotMessage(REGION_ID, data), CHUNK_BYTES);
        // Losing the last chunk cuts a key-value pair in half: no longer a RaftSnapshotData.
        assertThatThrownBy(() -> reassemble(chunks.subList(0, chunks.size() - 1), NO_LIMIT))
                .hasMessageContaining("not a RaftSnapshotData");
        List<SnapshotChunk> foreign = SnapshotChunks.split(snapshotMessage(REGION_ID, snapshotData(REGION_ID + 1, 3)),
                CHUNK_BYTES);
        assertThatThrownBy(() -> reassemble(foreign, NO_LIMIT)).hasMessageContaining("of region " + (REGION_ID + 1));
        assertThatThrownBy(() -> new SnapshotChunks.Assembler(NO_LIMIT).finish())
                .hasMessageContaining("before its first chunk");
    }
}
