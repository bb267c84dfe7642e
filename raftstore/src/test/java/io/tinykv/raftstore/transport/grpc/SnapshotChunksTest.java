package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.proto.RaftServerpb.SnapshotMeta;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.storage.Cf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The framing of the Snapshot stream: a header chunk, then the files' bytes, checked as they arrive. */
class SnapshotChunksTest {

    private static final long REGION_ID = 7;
    private static final long NO_LIMIT = Long.MAX_VALUE;
    /** Stand-ins for two SST files: the receiver checks bytes, sizes and checksums, not SST structure. */
    private static final ByteString DEFAULT_FILE = ByteString.copyFromUtf8("the default column family's file");

    private static final ByteString WRITE_FILE = ByteString.copyFromUtf8("the write column family's file");

    @TempDir
    Path dir;

    static int crc(ByteString bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        return (int) crc.getValue();
    }

    static RaftMessage snapshotMessage(long regionId, ByteString defaultFile, ByteString writeFile) {
        RaftSnapshotData data = RaftSnapshotData.newBuilder()
                .setRegion(Metapb.Region.newBuilder()
                        .setId(regionId)
                        .addPeers(Metapb.Peer.newBuilder().setId(1).setStoreId(1)))
                .setMeta(SnapshotMeta.newBuilder()
                        .addCfFiles(SnapshotCFFile.newBuilder()
                                .setCf("default")
                                .setSize(defaultFile.size())
                                .setChecksum(crc(defaultFile)))
                        .addCfFiles(SnapshotCFFile.newBuilder()
                                .setCf("write")
                                .setSize(writeFile.size())
                                .setChecksum(crc(writeFile))))
                .setFileSize(defaultFile.size() + writeFile.size())
                .build();
        return RaftMessage.newBuilder()
                .setRegionId(regionId)
                .setFromPeer(Metapb.Peer.newBuilder().setId(2).setStoreId(2))
                .setToPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                        .setSnapshot(Eraftpb.Snapshot.newBuilder()
                                .setData(data.toByteString())
                                .setMetadata(Eraftpb.SnapshotMetadata.newBuilder()
                                        .setIndex(42)
                                        .setTerm(3))))
                .build();
    }

    private SnapshotChunks.Assembler assembler(long maxBytes) {
        return new SnapshotChunks.Assembler(SnapshotManager.open(dir), maxBytes);
    }

    @Test
    void aHeaderThenTheFilesBytesInAnyCutsReassembleIntoCheckedFiles() throws Exception {
        RaftMessage message = snapshotMessage(REGION_ID, DEFAULT_FILE, WRITE_FILE);
        ByteString all = DEFAULT_FILE.concat(WRITE_FILE);
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assembler.accept(SnapshotChunks.header(message));
            // Cuts that straddle the boundary between the two files.
            for (int offset = 0; offset < all.size(); offset += 7) {
                assembler.accept(SnapshotChunks.data(all.substring(offset, Math.min(all.size(), offset + 7))));
            }
            assertThat(assembler.finish()).isEqualTo(message);
        }
        SnapshotManager manager = SnapshotManager.open(dir);
        var key = SnapshotReceiver.keyOf(message);
        assertThat(Files.readAllBytes(manager.receivedFile(key, Cf.DEFAULT))).isEqualTo(DEFAULT_FILE.toByteArray());
        assertThat(Files.readAllBytes(manager.receivedFile(key, Cf.WRITE))).isEqualTo(WRITE_FILE.toByteArray());
        assertThat(manager.receivedMeta(key)).exists();
    }

    @Test
    void refusesANonSnapshotFirstChunkOrAMessageInALaterOne() {
        RaftMessage append = RaftMessage.newBuilder()
                .setRegionId(REGION_ID)
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgAppend))
                .build();
        assertThatThrownBy(() -> SnapshotChunks.header(append)).hasMessageContaining("not a snapshot");
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assertThatThrownBy(() -> assembler.accept(
                            SnapshotChunk.newBuilder().setMessage(append).build()))
                    .hasMessageContaining("first snapshot chunk must carry a MsgSnapshot");
        }
        RaftMessage message = snapshotMessage(REGION_ID, DEFAULT_FILE, WRITE_FILE);
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assembler.accept(SnapshotChunks.header(message));
            assertThatThrownBy(() -> assembler.accept(SnapshotChunks.header(message)))
                    .hasMessageContaining("after the first");
        }
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assertThatThrownBy(assembler::finish).hasMessageContaining("before its first chunk");
        }
    }

    @Test
    void refusesASnapshotLargerThanTheLimitBeforeAnyDataArrives() {
        RaftMessage message = snapshotMessage(REGION_ID, DEFAULT_FILE, WRITE_FILE);
        try (SnapshotChunks.Assembler assembler = assembler(DEFAULT_FILE.size())) {
            assertThatThrownBy(() -> assembler.accept(SnapshotChunks.header(message)))
                    .hasMessageContaining("more than");
        }
    }

    @Test
    void refusesCorruptOrTruncatedFilesAndLeavesNoFileBehind() {
        RaftMessage message = snapshotMessage(REGION_ID, DEFAULT_FILE, WRITE_FILE);
        ByteString corrupt = ByteString.copyFromUtf8("THE").concat(DEFAULT_FILE.substring(3));
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assembler.accept(SnapshotChunks.header(message));
            assertThatThrownBy(() -> assembler.accept(SnapshotChunks.data(corrupt)))
                    .hasMessageContaining("default file arrived corrupt");
        }
        try (SnapshotChunks.Assembler assembler = assembler(NO_LIMIT)) {
            assembler.accept(SnapshotChunks.header(message));
            assembler.accept(SnapshotChunks.data(DEFAULT_FILE));
            assertThatThrownBy(assembler::finish).hasMessageContaining("truncated");
        }
        assertThat(SnapshotManager.open(dir).list()).isEmpty();
    }
}
