package io.tinykv.raftstore.transport.grpc;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft messages to one destination store: a bounded queue the Raft thread only ever offers to,
 * and one client-streaming {@code BatchRaft} call that a flush task (on the transport's executor)
 * feeds with everything queued. When the stream fails, the connection waits a backoff before
 * connecting again, and messages meanwhile are dropped and reported.
 */
final class StoreConnection {

    private static final Logger LOG = LoggerFactory.getLogger(StoreConnection.class);
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final long storeId;
    private final GrpcTransportConfig config;
    private final LongFunction<Channel> channels;
    private final TransportReporter reporter;
    private final Executor executor;
    private final LongSupplier nanoClock;
    private final ArrayBlockingQueue<RaftMessage> queue;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** BatchRaftMessages handed to the stream: with the messages sent, how well sends are batched. */
    private final LongAdder batchesSent;

    // Guarded by this: the stream is not thread-safe, and flushes, stream callbacks and close race.
    private ClientCallStreamObserver<BatchRaftMessage> stream;
    private long backoffNanos;
    private long retryAtNanos;
    private boolean closed;
    /** A flush task is looking the store up to connect (without holding this). */
    private boolean connecting;

    /** @param channels the channel to a store, resolving its address; throws when it cannot */
    StoreConnection(
            long storeId,
            GrpcTransportConfig config,
            LongFunction<Channel> channels,
            TransportReporter reporter,
            Executor executor,
            LongSupplier nanoClock,
            LongAdder batchesSent) {
        this.storeId = storeId;
        this.batchesSent = batchesSent;
        this.config = config;
        this.channels = channels;
        this.reporter = reporter;
        this.executor = executor;
        this.nanoClock = nanoClock;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacityMessages());
        this.backoffNanos = config.initialBackoffMs() * NANOS_PER_MILLI;
        this.retryAtNanos = nanoClock.getAsLong();
    }

    /** Queues a message; never blocks. A full queue drops it and reports its peer unreachable. */
    void send(RaftMessage message) {
        if (enqueue(message)) {
            scheduleFlush();
        }
    }

    /**
     * Queues a message without flushing it (the caller follows with {@link #flushHereOrSchedule});
     * never blocks. A full queue drops it and reports its peer unreachable.
     *
     * @return whether it was queued
     */
    boolean enqueue(RaftMessage message) {
        if (!queue.offer(message)) {
            LOG.debug("store {}: send queue full, dropping a message for region {}", storeId, message.getRegionId());
            reportDropped(message);
            return false;
        }
        return true;
    }

    /**
     * Hands what is queued to the open stream on the caller's thread — at low load the flush task
     * would cost a thread wake-up on the critical path of every message — or, when there is no
     * open stream ready to take it (connecting resolves an address and may block: never on the
     * caller's thread), schedules the flush task as {@link #send} does. Never blocks on the network:
     * the stream only queues what it is given.
     */
    void flushHereOrSchedule() {
        if (!flushIfOpen()) {
            scheduleFlush();
        }
    }

    private synchronized boolean flushIfOpen() {
        if (closed || stream == null || !stream.isReady()) {
            return false;
        }
        if (!queue.isEmpty()) {
            writeQueued(stream);
        }
        return true;
    }

    private void scheduleFlush() {
        if (flushScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::flush);
            } catch (RejectedExecutionException e) {
                flushScheduled.set(false);
                dropQueued();
            }
        }
    }

    /**
     * The flush task. Looking the store up (to connect) may wait on the scheduler, so it runs
     * without holding this: the Raft thread's {@link #flushIfOpen} takes the same lock and must never
     * wait on the scheduler, or on a network thread the scheduler's answer needs.
     */
    private void flush() {
        // Cleared before draining: a message queued during the drain schedules another flush.
        flushScheduled.set(false);
        synchronized (this) {
            if (queue.isEmpty()) {
                return;
            }
            if (closed) {
                dropQueued();
                return;
            }
            if (stream != null) {
                // Not ready: the stream's ready handler flushes again; the bounded queue holds the backlog.
                flushIfOpen();
                return;
            }
            if (connecting) {
                return; // the task connecting sends what is queued once it has a stream
            }
            if (nanoClock.getAsLong() - retryAtNanos < 0) {
                dropQueued(); // still backing off
                return;
            }
            connecting = true;
        }
        Channel channel = null;
        try {
            channel = channels.apply(storeId);
        } catch (RuntimeException e) {
            LOG.warn("store {}: cannot connect: {}", storeId, e.getMessage());
        }
        synchronized (this) {
            connecting = false;
            if (closed) {
                dropQueued();
                return;
            }
            if (channel == null) {
                failed(null);
                dropQueued();
                return;
            }
            StreamObserver observer = new StreamObserver();
            PeerGrpc.newStub(channel).batchRaft(observer);
            stream = observer.requests;
            flushIfOpen();
        }
    }

    /** Drains the queue into {@code current} in batches of at most maxBatchBytes. Holds this. */
    private void writeQueued(ClientCallStreamObserver<BatchRaftMessage> current) {
        List<RaftMessage> drained = new ArrayList<>(queue.size());
        queue.drainTo(drained);
        BatchRaftMessage.Builder batch = BatchRaftMessage.newBuilder();
        long batchBytes = 0;
        for (RaftMessage message : drained) {
            long size = message.getSerializedSize();
            if (batch.getMsgsCount() > 0 && batchBytes + size > config.maxBatchBytes()) {
                current.onNext(batch.build());
                batchesSent.increment();
                batch = BatchRaftMessage.newBuilder();
                batchBytes = 0;
            }
            batch.addMsgs(message);
            batchBytes += size;
        }
        current.onNext(batch.build());
        batchesSent.increment();
        // The stream took data: the store is reachable again, the next failure starts a fresh backoff.
        backoffNanos = config.initialBackoffMs() * NANOS_PER_MILLI;
    }

    /** The stream {@code broken} ended (null: connecting failed); wait a backoff before the next. */
    private synchronized void failed(ClientCallStreamObserver<BatchRaftMessage> broken) {
        if (broken != null && broken != stream) {
            return; // an older stream, already replaced
        }
        stream = null;
        retryAtNanos = nanoClock.getAsLong() + backoffNanos;
        backoffNanos = Math.min(2 * backoffNanos, config.maxBackoffMs() * NANOS_PER_MILLI);
    }

    private void dropQueued() {
        for (RaftMessage message; (message = queue.poll()) != null; ) {
            reportDropped(message);
        }
    }

    private void reportDropped(RaftMessage message) {
        reporter.peerUnreachable(message.getRegionId(), message.getToPeer().getId());
    }

    /** Ends the stream and drops what is queued. */
    synchronized void close() {
        closed = true;
        if (stream != null) {
            stream.onCompleted();
            stream = null;
        }
        dropQueued();
    }

    /** The responses of one BatchRaft call: its end, normal or not, means the stream is gone. */
    private final class StreamObserver implements ClientResponseObserver<BatchRaftMessage, Done> {

        private ClientCallStreamObserver<BatchRaftMessage> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<BatchRaftMessage> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(StoreConnection.this::scheduleFlush);
        }

        @Override
        public void onNext(Done value) {
            // The server answers only when it ends the stream.
        }

        @Override
        public void onError(Throwable t) {
            LOG.warn("store {}: raft stream failed: {}", storeId, t.toString());
            ended();
        }

        @Override
        public void onCompleted() {
            LOG.info("store {}: raft stream ended by the server", storeId);
            ended();
        }

        private void ended() {
            failed(requests);
            // Messages queued behind the broken stream are reported now rather than left waiting.
            scheduleFlush();
        }
    }
}
