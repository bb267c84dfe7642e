package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.testkit.exec.ManualExecutor;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link PeerService#RAFT_STREAMS_ON_NETWORK_THREAD}: a server whose call executor never runs a
 * task still hands the Raft streams' messages to the service (they run where they were read, no
 * handler thread woken per message), while every other call (a snapshot stream) waits for that
 * executor as before.
 */
class RaftStreamsOnNetworkThreadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** Counts what reaches the service on each kind of stream. */
    private static final class CountingPeer extends PeerGrpc.PeerImplBase {
        final AtomicInteger raftMessages = new AtomicInteger();
        final AtomicInteger snapshotChunks = new AtomicInteger();

        @Override
        public StreamObserver<RaftMessage> raft(StreamObserver<Done> done) {
            return observer(raftMessages, done);
        }

        @Override
        public StreamObserver<BatchRaftMessage> batchRaft(StreamObserver<Done> done) {
            return observer(raftMessages, done);
        }

        @Override
        public StreamObserver<SnapshotChunk> snapshot(StreamObserver<Done> done) {
            return observer(snapshotChunks, done);
        }

        private static <T> StreamObserver<T> observer(AtomicInteger count, StreamObserver<Done> done) {
            return new StreamObserver<>() {
                @Override
                public void onNext(T value) {
                    count.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    done.onCompleted();
                }
            };
        }
    }

    private static final StreamObserver<Done> IGNORED = new StreamObserver<>() {
        @Override
        public void onNext(Done value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    };

    @Test
    void raftStreamsSkipTheServersExecutorAndOtherCallsDoNot() throws Exception {
        String name = "raft-streams-" + System.identityHashCode(this);
        CountingPeer peer = new CountingPeer();
        ManualExecutor handlers = new ManualExecutor();
        Server server = InProcessServerBuilder.forName(name)
                .addService(peer)
                .executor(handlers)
                .callExecutor(PeerService.RAFT_STREAMS_ON_NETWORK_THREAD)
                .build()
                .start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
            PeerGrpc.PeerStub stub = PeerGrpc.newStub(channel);
            RaftMessage message = RaftMessage.newBuilder()
                    .setRegionId(1)
                    .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgAppend))
                    .build();
            BatchRaftMessage batch =
                    BatchRaftMessage.newBuilder().addMsgs(message).build();
            StreamObserver<SnapshotChunk> snapshot = stub.snapshot(IGNORED);
            StreamObserver<BatchRaftMessage> batches = stub.batchRaft(IGNORED);
            StreamObserver<RaftMessage> single = stub.raft(IGNORED);
            // A call's method is looked up on the server's executor once, when the stream opens.
            snapshot.onNext(SnapshotChunk.getDefaultInstance());
            batches.onNext(batch);
            single.onNext(message);
            Await.until(
                    () -> {
                        handlers.runAll();
                        return peer.raftMessages.get() == 2 && peer.snapshotChunks.get() == 1;
                    },
                    TIMEOUT,
                    "the first message of each stream");

            // From then on the Raft streams' messages need no task of that executor.
            snapshot.onNext(SnapshotChunk.getDefaultInstance());
            batches.onNext(batch);
            single.onNext(message);
            Await.until(
                    () -> peer.raftMessages.get() == 4,
                    TIMEOUT,
                    "both Raft streams' next messages, with the server's executor not run");
            Await.until(() -> handlers.queued() > 0, TIMEOUT, "the snapshot chunk's task queued");
            assertThat(peer.snapshotChunks)
                    .as("the snapshot stream waits for the server's executor")
                    .hasValue(1);
            Await.until(
                    () -> {
                        handlers.runAll();
                        return peer.snapshotChunks.get() == 2;
                    },
                    TIMEOUT,
                    "the snapshot chunk once the executor runs");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
