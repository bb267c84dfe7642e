package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.testkit.exec.ManualExecutor;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GrpcTransport#sendAll}: once a destination's stream is open, a round's messages reach it
 * on the caller's thread (the Raft thread), in one batch, without the transport's flush task — the
 * executor here runs tasks only when the test says so, so a message that needed the task would
 * never arrive. Connecting stays off the caller's thread, and so does any wait for it: a store
 * whose address the scheduler is slow to give never holds up the caller.
 */
class GrpcTransportSendAllTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final long REGION_ID = 1;
    private static final long STORE_ID = 2;
    private static final long OTHER_STORE_ID = 3;

    /** The receiving store: records every message and how many batches carried them. */
    private static final class RecordingPeer extends PeerGrpc.PeerImplBase {
        final List<RaftMessage> received = new CopyOnWriteArrayList<>();
        final AtomicInteger batches = new AtomicInteger();

        @Override
        public StreamObserver<BatchRaftMessage> batchRaft(StreamObserver<Done> done) {
            return new StreamObserver<>() {
                @Override
                public void onNext(BatchRaftMessage batch) {
                    batches.incrementAndGet();
                    received.addAll(batch.getMsgsList());
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

    private static final TransportReporter NO_REPORTS = new TransportReporter() {
        @Override
        public void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
            throw new AssertionError("no snapshot was sent");
        }

        @Override
        public void peerUnreachable(long regionId, long toPeerId) {
            throw new AssertionError("peer " + toPeerId + " reported unreachable");
        }
    };

    @TempDir
    Path snapshotDir;

    private final String serverName = "send-all-" + System.identityHashCode(this);
    private final Queue<ManagedChannel> channels = new ArrayDeque<>();
    private Server server;
    private GrpcTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow();
        }
    }

    /** Starts this test's in-process store, which records what it receives. */
    private RecordingPeer startPeer() throws IOException {
        RecordingPeer peer = new RecordingPeer();
        server = InProcessServerBuilder.forName(serverName)
                .addService(peer)
                .build()
                .start();
        return peer;
    }

    private static RaftMessage append(long toStoreId, long index) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION_ID)
                .setFromPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setToPeer(Metapb.Peer.newBuilder().setId(toStoreId).setStoreId(toStoreId))
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgAppend)
                        .setIndex(index))
                .build();
    }

    private GrpcTransport transport(ManualExecutor executor, AtomicInteger channelsOpened) {
        return transport(storeId -> serverName, executor, channelsOpened);
    }

    /** Every store at this test's in-process server, as {@code resolver} says. */
    private GrpcTransport transport(StoreResolver resolver, Executor executor, AtomicInteger channelsOpened) {
        return new GrpcTransport(
                GrpcTransportConfig.defaults(),
                resolver,
                target -> {
                    channelsOpened.incrementAndGet();
                    ManagedChannel channel =
                            InProcessChannelBuilder.forName(target).build();
                    channels.add(channel);
                    return channel;
                },
                NO_REPORTS,
                executor,
                System::nanoTime,
                SnapshotManager.open(snapshotDir));
    }

    @Test
    void anOpenStreamTakesARoundsMessagesOnTheCallersThreadInOneBatch() throws Exception {
        RecordingPeer peer = startPeer();
        ManualExecutor executor = new ManualExecutor();
        AtomicInteger channelsOpened = new AtomicInteger();
        transport = transport(executor, channelsOpened);

        // No stream yet: connecting is the flush task's job, not the caller's.
        transport.sendAll(List.of(append(STORE_ID, 1)));
        assertThat(channelsOpened).hasValue(0);
        assertThat(executor.queued()).isPositive();
        Await.until(
                () -> {
                    executor.runAll();
                    return peer.received.size() == 1;
                },
                TIMEOUT,
                "the first message, sent by the flush task once connected");
        int batchesBefore = peer.batches.get();

        // The stream is open: the next round's messages go out without any task running.
        transport.sendAll(List.of(append(STORE_ID, 2), append(STORE_ID, 3)));
        Await.until(() -> peer.received.size() == 3, TIMEOUT, "the round's messages, with no flush task run");
        assertThat(peer.received).extracting(m -> m.getMessage().getIndex()).containsExactly(1L, 2L, 3L);
        assertThat(peer.batches.get() - batchesBefore)
                .as("one batch for the round's two messages")
                .isEqualTo(1);
        assertThat(channelsOpened).hasValue(1);
    }

    @Test
    void aDestinationWithoutAStreamIsLeftToTheFlushTask() throws Exception {
        RecordingPeer peer = startPeer();
        ManualExecutor executor = new ManualExecutor();
        AtomicInteger channelsOpened = new AtomicInteger();
        transport = transport(executor, channelsOpened);
        transport.sendAll(List.of(append(STORE_ID, 1)));
        Await.until(
                () -> {
                    executor.runAll();
                    return peer.received.size() == 1;
                },
                TIMEOUT,
                "the first store's stream open");

        // One destination connected, the other not: the first gets its message at once, the
        // second's waits for the task (which connects it).
        transport.sendAll(List.of(append(OTHER_STORE_ID, 1), append(STORE_ID, 2)));
        Await.until(() -> peer.received.size() == 2, TIMEOUT, "the connected store's message");
        assertThat(channelsOpened).as("no connecting on the caller's thread").hasValue(1);
        assertThat(executor.queued()).isPositive();
        Await.until(
                () -> {
                    executor.runAll();
                    return peer.received.size() == 3;
                },
                TIMEOUT,
                "the other store's message, once the task connected it");
        assertThat(channelsOpened).hasValue(2);
    }

    @Test
    void aSlowAddressLookupNeverHoldsUpTheCaller() throws Exception {
        RecordingPeer peer = startPeer();
        CountDownLatch resolving = new CountDownLatch(1);
        CountDownLatch schedulerAnswers = new CountDownLatch(1);
        // The resolver asks the scheduler, which does not answer until the test says so: a
        // scheduler that is paused, or whose answer waits for a busy network thread.
        StoreResolver slowScheduler = storeId -> {
            resolving.countDown();
            try {
                schedulerAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreResolver.UnknownStoreException(storeId);
            }
            return serverName;
        };
        ExecutorService flushThreads = Executors.newCachedThreadPool();
        try {
            transport = transport(slowScheduler, flushThreads, new AtomicInteger());
            transport.sendAll(List.of(append(STORE_ID, 1)));
            assertThat(resolving.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("the flush task is looking the store up")
                    .isTrue();

            // The Raft thread's next round to that store, while the lookup waits: it must return.
            CompletableFuture<Void> nextRound =
                    CompletableFuture.runAsync(() -> transport.sendAll(List.of(append(STORE_ID, 2))));
            Await.until(nextRound::isDone, TIMEOUT, "the caller's send to a store being looked up");
            assertThat(schedulerAnswers.getCount())
                    .as("the scheduler has not answered yet")
                    .isOne();
            assertThat(peer.received).isEmpty();

            schedulerAnswers.countDown();
            Await.until(() -> peer.received.size() == 2, TIMEOUT, "both messages, once the store is found");
            assertThat(peer.received).extracting(m -> m.getMessage().getIndex()).containsExactly(1L, 2L);
        } finally {
            schedulerAnswers.countDown();
            flushThreads.shutdownNow();
        }
    }
}
