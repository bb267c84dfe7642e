package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.latch.Latches;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The handlers answer from the storage's completion instead of holding a thread: with one gRPC
 * handler thread, many writes are in storage at once, and each answer goes out when its write
 * completes, errors mapped as before. Reads continue on the read executor, never on the thread
 * that hands over the snapshot, and always close it.
 */
class AsyncHandlersTest {

    private static final Config.Limits LIMITS = new Config.Limits(64, 1 << 20, 100, 1 << 20);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ByteString KEY = ByteString.copyFromUtf8("k");

    /** A storage whose writes and readers complete only when the test says so. */
    private static final class PendingStorage implements Storage {
        final Queue<CompletableFuture<Void>> writes = new ConcurrentLinkedQueue<>();
        final Queue<CompletableFuture<StorageReader>> reads = new ConcurrentLinkedQueue<>();

        @Override
        public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
            throw new AssertionError("the handler must not write synchronously");
        }

        @Override
        public StorageReader reader(Kvrpcpb.Context ctx) {
            throw new AssertionError("the handler must not read synchronously");
        }

        @Override
        public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            writes.add(f);
            return f;
        }

        @Override
        public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
            CompletableFuture<StorageReader> f = new CompletableFuture<>();
            reads.add(f);
            return f;
        }

        @Override
        public void close() {}
    }

    /** A reader holding one value, recording whether it was closed and on which thread it read. */
    private static final class OneValueReader implements StorageReader {
        final byte[] value;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile Thread readOn;

        OneValueReader(byte[] value) {
            this.value = value;
        }

        @Override
        public byte[] get(Cf cf, byte[] key) {
            readOn = Thread.currentThread();
            return value;
        }

        @Override
        public KvIterator iterator(Cf cf) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Runs tasks only when the test drains it; can be told to refuse. */
    private static final class ManualExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();
        volatile boolean refuse;

        @Override
        public synchronized void execute(Runnable task) {
            if (refuse) {
                throw new RejectedExecutionException("full");
            }
            tasks.add(task);
        }

        synchronized Runnable next() {
            return tasks.poll();
        }
    }

    private final PendingStorage storage = new PendingStorage();
    private final ManualExecutor reads = new ManualExecutor();
    private final ExecutorService oneHandlerThread = Executors.newSingleThreadExecutor();
    private Server server;
    /** Cancellations the server has seen (a client's cancel reaches the server asynchronously). */
    private final java.util.concurrent.atomic.AtomicInteger serverCancellations =
            new java.util.concurrent.atomic.AtomicInteger();

    private ManagedChannel channel;

    private TikvGrpc.TikvStub start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        RequestValidator validator = new RequestValidator(LIMITS);
        server = InProcessServerBuilder.forName(name)
                .executor(oneHandlerThread)
                .addService(ServerInterceptors.intercept(
                        new TikvService(
                                storage,
                                validator,
                                new TxnHandler(new TxnCommands(storage), validator),
                                RawValues.withoutTtl(),
                                null,
                                reads),
                        new CancellationCounter()))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        return TikvGrpc.newStub(channel);
    }

    /** Counts the calls the server saw cancelled; by then the call's observer reports it cancelled. */
    private final class CancellationCounter implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                    next.startCall(call, headers)) {
                @Override
                public void onCancel() {
                    super.onCancel();
                    serverCancellations.incrementAndGet();
                }
            };
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        oneHandlerThread.shutdownNow();
    }

    @Test
    void writesDoNotHoldTheHandlerThreadAndAnswerWhenTheyComplete() throws Exception {
        TikvGrpc.TikvStub tikv = start();
        int calls = 3;
        List<CompletableFuture<Kvrpcpb.RawPutResponse>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < calls; i++) {
            Kvrpcpb.RawPutRequest put = Kvrpcpb.RawPutRequest.newBuilder()
                    .setKey(KEY)
                    .setValue(ByteString.copyFromUtf8("v" + i))
                    .build();
            answers.add(call(o -> tikv.rawPut(put, o)));
        }
        // One handler thread: a handler that waited for its write would keep the others out.
        Await.until(() -> storage.writes.size() == calls, WAIT, "all writes in storage at once");
        assertThat(answers).noneMatch(CompletableFuture::isDone);

        storage.writes.poll().complete(null);
        storage.writes
                .poll()
                .completeExceptionally(new RegionException(Errorpb.Error.newBuilder()
                        .setMessage("not leader")
                        .setNotLeader(Errorpb.NotLeader.newBuilder().setRegionId(1))
                        .build()));
        storage.writes.poll().completeExceptionally(new io.tinykv.storage.StorageException("disk on fire"));

        assertThat(answers.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(Kvrpcpb.RawPutResponse.getDefaultInstance());
        assertThat(answers.get(1).get(10, TimeUnit.SECONDS).getRegionError().hasNotLeader())
                .isTrue();
        assertThat(answers.get(2).get(10, TimeUnit.SECONDS).getError()).isEqualTo("storage error: disk on fire");
    }

    @Test
    void transactionalWritesAnswerWhenTheWriteCompletesAndHoldTheirLatchesUntilThen() throws Exception {
        // Reads of the MVCC snapshot are synchronous in TxnCommands: serve them from a real store.
        MemoryStorage data = new MemoryStorage();
        Storage mixed = new Storage() {
            @Override
            public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
                throw new AssertionError("the handler must not write synchronously");
            }

            @Override
            public StorageReader reader(Kvrpcpb.Context ctx) {
                return data.reader(ctx);
            }

            @Override
            public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
                return storage.writeAsync(ctx, batch).thenRun(() -> data.write(ctx, batch));
            }

            @Override
            public void close() {}
        };
        Latches latches = new Latches();
        TxnCommands commands = new TxnCommands(mixed, latches, RegionBounds.UNBOUNDED);
        Kvrpcpb.PrewriteRequest prewrite = Kvrpcpb.PrewriteRequest.newBuilder()
                .setPrimaryLock(KEY)
                .setStartVersion(10)
                .setLockTtl(3000)
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(KEY)
                        .setValue(ByteString.copyFromUtf8("v")))
                .build();

        CompletableFuture<Kvrpcpb.PrewriteResponse> first = commands.prewriteAsync(prewrite);
        assertThat(storage.writes).hasSize(1);
        assertThat(first).isNotDone();
        // A second command on the key waits for the latch, which the pending write still holds.
        CompletableFuture<Kvrpcpb.PrewriteResponse> second = CompletableFuture.supplyAsync(() -> commands.prewriteAsync(
                        prewrite.toBuilder().setStartVersion(20).build())
                .join());
        Await.until(() -> latches.queueLength(KEY.toByteArray()) == 2, WAIT, "the second command queued");
        assertThat(storage.writes).hasSize(1);

        storage.writes.poll().complete(null);
        assertThat(first.get(10, TimeUnit.SECONDS).getErrorsCount()).isZero();
        // Latch released: the second runs, and finds the first one's lock.
        Kvrpcpb.PrewriteResponse blocked = second.get(10, TimeUnit.SECONDS);
        assertThat(blocked.getErrorsList())
                .singleElement()
                .satisfies(e -> assertThat(e.hasLocked()).isTrue());
    }

    @Test
    void readsRunOnTheReadExecutorAndCloseTheirSnapshot() throws Exception {
        TikvGrpc.TikvStub tikv = start();
        CompletableFuture<Kvrpcpb.RawGetResponse> answer = call(
                o -> tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(KEY).build(), o));
        Await.until(() -> storage.reads.size() == 1, WAIT, "the read asked for a snapshot");
        OneValueReader reader = new OneValueReader(new byte[] {42});

        storage.reads.poll().complete(reader);
        // Completing the snapshot (here: the test thread, in a store: the Raft thread) reads nothing.
        assertThat(reader.readOn).isNull();
        assertThat(answer).isNotDone();
        Thread executorThread = new Thread(reads.next());
        executorThread.start();
        executorThread.join();

        assertThat(answer.get(10, TimeUnit.SECONDS).getValue().toByteArray()).containsExactly(42);
        assertThat(reader.readOn).isSameAs(executorThread);
        assertThat(reader.closed).isTrue();
    }

    @Test
    void aFullReadExecutorAnswersServerIsBusyAndClosesTheSnapshot() throws Exception {
        TikvGrpc.TikvStub tikv = start();
        reads.refuse = true;
        CompletableFuture<Kvrpcpb.RawGetResponse> answer = call(
                o -> tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(KEY).build(), o));
        Await.until(() -> storage.reads.size() == 1, WAIT, "the read asked for a snapshot");
        OneValueReader reader = new OneValueReader(new byte[] {1});

        storage.reads.poll().complete(reader);

        assertThat(answer.get(10, TimeUnit.SECONDS).getRegionError().hasServerIsBusy())
                .isTrue();
        assertThat(reader.closed).isTrue();
        assertThat(reader.readOn).isNull();
    }

    @Test
    void aCallCancelledWhileWaitingReadsNothingButClosesTheSnapshot() throws Exception {
        TikvGrpc.TikvStub tikv = start();
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        CompletableFuture<Kvrpcpb.RawGetResponse> answer = new CompletableFuture<>();
        context.run(
                () -> tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(KEY).build(), observer(answer)));
        Await.until(() -> storage.reads.size() == 1, WAIT, "the read asked for a snapshot");
        context.cancel(null);
        Await.until(answer::isDone, WAIT, "the client saw its cancellation");
        // The server learns of it on its own thread, later: only then is "cancelled" the case tested.
        Await.until(() -> serverCancellations.get() == 1, WAIT, "the server saw the cancellation");
        OneValueReader reader = new OneValueReader(new byte[] {1});

        storage.reads.poll().complete(reader);
        Runnable task = reads.next();
        assertThat(task)
                .as("the read still reaches the executor, which closes the snapshot")
                .isNotNull();
        task.run();

        assertThat(reader.closed).isTrue();
        assertThat(reader.readOn).as("a cancelled call reads nothing").isNull();
    }

    private static <R> CompletableFuture<R> call(java.util.function.Consumer<StreamObserver<R>> rpc) {
        CompletableFuture<R> answer = new CompletableFuture<>();
        rpc.accept(observer(answer));
        return answer;
    }

    private static <R> StreamObserver<R> observer(CompletableFuture<R> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        };
    }
}
