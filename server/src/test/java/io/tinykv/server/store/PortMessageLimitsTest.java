package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.raftstore.transport.grpc.ClusterIdHeader;
import io.tinykv.server.config.Config;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a peer port of its own ({@code server.peer-addr}), the client port admits messages up to
 * {@code limits.grpc-max-message-size} only, while the peer port admits the store-to-store batches,
 * which may carry several entries of {@code raft-entry-max-size}: a client cannot send the store
 * what only its peers may.
 */
class PortMessageLimitsTest {

    private static final int MIB = 1024 * 1024;
    private static final long CLIENT_LIMIT_BYTES = 2L * MIB;
    private static final long RAFT_ENTRY_MAX_BYTES = MIB;
    /** Above the client limit, well within the peer port's. */
    private static final int LARGE_BYTES = 3 * MIB;

    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    @Test
    void theClientPortTakesTheClientLimitAndThePeerPortItsOwn() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(7);
                StoreServer server = StoreServer.start(config(pd.address()))) {
            ManagedChannel client = NettyChannelBuilder.forTarget(server.address())
                    .usePlaintext()
                    .build();
            ManagedChannel peer = NettyChannelBuilder.forTarget(
                            server.peerAddress().toString())
                    .usePlaintext()
                    .intercept(ClusterIdHeader.attach(server.clusterId()))
                    .build();
            try {
                ByteString large = ByteString.copyFrom(new byte[LARGE_BYTES]);
                assertThatThrownBy(() -> TikvGrpc.newBlockingStub(client)
                                .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                                .rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("k"))
                                        .setValue(large)
                                        .build()))
                        .isInstanceOfSatisfying(
                                StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

                // The same bytes as a batch of Raft messages (for a region the store does not have:
                // dropped, but read whole) pass the peer port.
                RaftMessage append = RaftMessage.newBuilder()
                        .setRegionId(1_000)
                        .setFromPeer(Metapb.Peer.newBuilder().setId(1_001).setStoreId(99))
                        .setToPeer(Metapb.Peer.newBuilder().setId(1_002).setStoreId(server.storeId()))
                        .setMessage(Eraftpb.Message.newBuilder()
                                .setMsgType(Eraftpb.MessageType.MsgAppend)
                                .addEntries(Eraftpb.Entry.newBuilder().setData(large)))
                        .build();
                CompletableFuture<Status> outcome = new CompletableFuture<>();
                StreamObserver<BatchRaftMessage> stream = PeerGrpc.newStub(peer).batchRaft(new StreamObserver<>() {
                    @Override
                    public void onNext(Done value) {}

                    @Override
                    public void onError(Throwable t) {
                        outcome.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        outcome.complete(Status.OK);
                    }
                });
                stream.onNext(BatchRaftMessage.newBuilder().addMsgs(append).build());
                stream.onCompleted();
                assertThat(outcome.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode())
                        .isEqualTo(Status.Code.OK);
            } finally {
                client.shutdownNow();
                peer.shutdownNow();
            }
        }
    }

    private StoreServerConfig config(String pdAddress) {
        StoreServerConfig base = TestConfigs.store(pdAddress, dir.resolve("store"));
        Config.Limits l = base.base().limits();
        Config.Limits limits = new Config.Limits(
                l.maxKeySizeBytes(),
                RAFT_ENTRY_MAX_BYTES,
                l.maxScanLimit(),
                CLIENT_LIMIT_BYTES,
                l.maxBatchKeys(),
                l.maxResponseSizeBytes(),
                l.maxConcurrentRequests());
        return base.withBase(base.base()
                        .withLimits(limits)
                        .withServer(base.base().server().withPeerAddr("127.0.0.1:0")))
                .validate();
    }
}
