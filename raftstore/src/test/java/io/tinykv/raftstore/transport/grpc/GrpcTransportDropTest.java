package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.proto.RaftServerpb.SnapshotMeta;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.security.ChannelFactory;
import io.tinykv.testkit.exec.ManualExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the transport does when it cannot deliver, driven by a hand-run executor (no threads, no
 * network): the caller is never blocked, and every dropped message is reported.
 */
class GrpcTransportDropTest {

    private static final long REGION_ID = 1;
    private static final long UNKNOWN_STORE = 9;

    private record Report(long regionId, long toPeerId, SnapshotStatus status) {}

    private static final class RecordingReporter implements TransportReporter {
        final List<Report> reports = new ArrayList<>();

        @Override
        public synchronized void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
            reports.add(new Report(regionId, toPeerId, status));
        }

        @Override
        public synchronized void peerUnreachable(long regionId, long toPeerId) {
            reports.add(new Report(regionId, toPeerId, null));
        }
    }

    private static RaftMessage message(long toPeerId, long toStoreId, Eraftpb.MessageType type) {
        Eraftpb.Message.Builder m = Eraftpb.Message.newBuilder().setMsgType(type);
        if (type == Eraftpb.MessageType.MsgSnapshot) {
            // An empty region's snapshot: no column family has data, so there are no files to read.
            m.setSnapshot(Eraftpb.Snapshot.newBuilder()
                    .setData(RaftSnapshotData.newBuilder()
                            .setRegion(Metapb.Region.newBuilder()
                                    .setId(REGION_ID)
                                    .addPeers(Metapb.Peer.newBuilder().setId(1).setStoreId(1)))
                            .build()
                            .toByteString()));
        }
        return RaftMessage.newBuilder()
                .setRegionId(REGION_ID)
                .setFromPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setToPeer(Metapb.Peer.newBuilder().setId(toPeerId).setStoreId(toStoreId))
                .setMessage(m)
                .build();
    }

    @TempDir
    static Path snapshotDir;

    private static GrpcTransport transport(GrpcTransportConfig config, RecordingReporter reporter, Executor executor) {
        StoreResolver nobodyKnown = storeId -> {
            throw new StoreResolver.UnknownStoreException(storeId);
        };
        ChannelFactory noChannels = target -> {
            throw new AssertionError("no channel may be opened without an address");
        };
        return new GrpcTransport(
                config,
                nobodyKnown,
                noChannels,
                reporter,
                executor,
                System::nanoTime,
                SnapshotManager.open(snapshotDir));
    }

    @Test
    void aFullQueueDropsAndReportsWithoutBlocking() {
        ManualExecutor executor = new ManualExecutor();
        RecordingReporter reporter = new RecordingReporter();
        GrpcTransport transport =
                transport(GrpcTransportConfig.defaults().withQueueCapacityMessages(2), reporter, executor);
        for (int i = 0; i < 5; i++) {
            transport.send(message(3, UNKNOWN_STORE, Eraftpb.MessageType.MsgHeartbeat));
        }
        // Nothing has run yet: two messages wait, three were dropped at once on the caller's thread.
        assertThat(reporter.reports)
                .containsExactly(
                        new Report(REGION_ID, 3, null), new Report(REGION_ID, 3, null), new Report(REGION_ID, 3, null));
        assertThat(executor.queued()).isEqualTo(1);
    }

    @Test
    void messagesToAStoreWithoutAddressAreDroppedAndReported() {
        ManualExecutor executor = new ManualExecutor();
        RecordingReporter reporter = new RecordingReporter();
        GrpcTransport transport = transport(GrpcTransportConfig.defaults(), reporter, executor);
        transport.send(message(3, UNKNOWN_STORE, Eraftpb.MessageType.MsgAppend));
        transport.send(message(3, UNKNOWN_STORE, Eraftpb.MessageType.MsgAppend));
        assertThat(reporter.reports).isEmpty();
        executor.runAll();
        assertThat(reporter.reports).containsExactly(new Report(REGION_ID, 3, null), new Report(REGION_ID, 3, null));
    }

    @Test
    void aSnapshotToAStoreWithoutAddressIsReportedFailed() {
        ManualExecutor executor = new ManualExecutor();
        RecordingReporter reporter = new RecordingReporter();
        GrpcTransport transport = transport(GrpcTransportConfig.defaults(), reporter, executor);
        transport.send(message(4, UNKNOWN_STORE, Eraftpb.MessageType.MsgSnapshot));
        executor.runAll();
        assertThat(reporter.reports)
                .containsExactly(new Report(REGION_ID, 4, null), new Report(REGION_ID, 4, SnapshotStatus.FAILURE));
    }

    @Test
    void aSnapshotWhoseFilesAreGoneIsReportedFailed() {
        ManualExecutor executor = new ManualExecutor();
        RecordingReporter reporter = new RecordingReporter();
        RaftMessage withFiles = message(5, UNKNOWN_STORE, Eraftpb.MessageType.MsgSnapshot);
        var data = RaftSnapshotData.newBuilder()
                .setRegion(Metapb.Region.newBuilder()
                        .setId(REGION_ID)
                        .addPeers(Metapb.Peer.newBuilder().setId(1).setStoreId(1)))
                .setMeta(SnapshotMeta.newBuilder()
                        .addCfFiles(SnapshotCFFile.newBuilder()
                                .setCf("default")
                                .setSize(10)
                                .setChecksum(1)))
                .setFileSize(10)
                .build();
        RaftMessage.Builder stale = withFiles.toBuilder();
        stale.getMessageBuilder().getSnapshotBuilder().setData(data.toByteString());
        transport(GrpcTransportConfig.defaults(), reporter, executor).send(stale.build());
        executor.runAll();
        assertThat(reporter.reports)
                .containsExactly(new Report(REGION_ID, 5, null), new Report(REGION_ID, 5, SnapshotStatus.FAILURE));
    }

    @Test
    void afterCloseEverySendIsReported() {
        ManualExecutor executor = new ManualExecutor();
        RecordingReporter reporter = new RecordingReporter();
        GrpcTransport transport = transport(GrpcTransportConfig.defaults(), reporter, executor);
        transport.close();
        transport.send(message(3, UNKNOWN_STORE, Eraftpb.MessageType.MsgSnapshot));
        assertThat(reporter.reports)
                .containsExactly(new Report(REGION_ID, 3, null), new Report(REGION_ID, 3, SnapshotStatus.FAILURE));
        assertThat(executor.queued()).isZero();
    }

    @Test
    void configRejectsNonsense() {
        assertThatThrownBy(() -> GrpcTransportConfig.defaults().withQueueCapacityMessages(0))
                .hasMessageContaining("queueCapacityMessages");
        assertThatThrownBy(() -> GrpcTransportConfig.defaults().withSnapshotChunkBytes(0))
                .hasMessageContaining("snapshotChunkBytes");
        assertThatThrownBy(() -> new GrpcTransportConfig(1, 1, 1, 10, 5, 1)).hasMessageContaining("maxBackoffMs");
    }
}
