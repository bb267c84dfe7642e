package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.TxnCommands;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The raw writes and reads and the Raft streams run on the network thread that read them; nothing
 * else does: a raw call another store is to answer runs on the handler executor, and a raw write
 * for CAS, which waits for its latches and its apply, leaves that thread for the CAS executor.
 */
class CallsOnNetworkThreadTest {

    private static final Config.Limits LIMITS = new Config.Limits(64, 1 << 20, 100, 1 << 20);

    private final ExecutorService casWrites = Executors.newSingleThreadExecutor(r -> new Thread(r, "cas-writes"));
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        casWrites.shutdownNow();
    }

    @Test
    void onlyTheRawWritesAndReadsRunOnTheNetworkThread() {
        assertThat(List.of(
                        TikvGrpc.getRawPutMethod(),
                        TikvGrpc.getRawBatchPutMethod(),
                        TikvGrpc.getRawDeleteMethod(),
                        TikvGrpc.getRawBatchDeleteMethod(),
                        TikvGrpc.getRawGetMethod(),
                        TikvGrpc.getRawBatchGetMethod(),
                        TikvGrpc.getRawScanMethod(),
                        TikvGrpc.getRawGetKeyTTLMethod()))
                .allSatisfy(m -> assertThat(CallsOnNetworkThread.runsOnNetworkThread(m.getFullMethodName()))
                        .as(m.getFullMethodName())
                        .isTrue());
        // CAS and range deletes wait for latches, transactions read the engine on the calling thread.
        assertThat(List.of(
                        TikvGrpc.getRawCompareAndSwapMethod(),
                        TikvGrpc.getRawDeleteRangeMethod(),
                        TikvGrpc.getKvPrewriteMethod(),
                        TikvGrpc.getKvCommitMethod(),
                        TikvGrpc.getKvGetMethod(),
                        PeerGrpc.getSnapshotMethod()))
                .allSatisfy(m -> assertThat(CallsOnNetworkThread.runsOnNetworkThread(m.getFullMethodName()))
                        .as(m.getFullMethodName())
                        .isFalse());
    }

    @Test
    void plainRawCallsStayOnTheNetworkThreadAndForwardedOrOtherCallsGoToTheHandlers() throws Exception {
        ExecutorService handlers = Executors.newSingleThreadExecutor(r -> new Thread(r, "handler"));
        try {
            AtomicReference<Thread> handledOn = new AtomicReference<>();
            String name = InProcessServerBuilder.generateName();
            server = InProcessServerBuilder.forName(name)
                    .directExecutor()
                    .callExecutor(new CallsOnNetworkThread(handlers))
                    .addService(new TikvGrpc.TikvImplBase() {
                        @Override
                        public void rawPut(Kvrpcpb.RawPutRequest request, StreamObserver<Kvrpcpb.RawPutResponse> out) {
                            handledOn.set(Thread.currentThread());
                            out.onNext(Kvrpcpb.RawPutResponse.getDefaultInstance());
                            out.onCompleted();
                        }

                        @Override
                        public void kvGet(Kvrpcpb.GetRequest request, StreamObserver<Kvrpcpb.GetResponse> out) {
                            handledOn.set(Thread.currentThread());
                            out.onNext(Kvrpcpb.GetResponse.getDefaultInstance());
                            out.onCompleted();
                        }
                    })
                    .build()
                    .start();
            channel = InProcessChannelBuilder.forName(name).build();
            Kvrpcpb.RawPutRequest put = Kvrpcpb.RawPutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("a"))
                    .build();

            TikvGrpc.newBlockingStub(channel).rawPut(put);
            assertThat(handledOn.get().getName()).as("a plain raw write").isNotEqualTo("handler");

            Metadata forwarded = new Metadata();
            forwarded.put(ForwardedCalls.FORWARDED_HOST, "127.0.0.1:20161");
            TikvGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forwarded))
                    .rawPut(put);
            assertThat(handledOn.get().getName()).as("a raw write to relay").isEqualTo("handler");

            TikvGrpc.newBlockingStub(channel).kvGet(Kvrpcpb.GetRequest.getDefaultInstance());
            assertThat(handledOn.get().getName()).as("a transactional read").isEqualTo("handler");
        } finally {
            handlers.shutdownNow();
        }
    }

    @Test
    void aWriteForCasWaitsOnTheCasExecutorAndAnotherWriteDoesNot() throws Exception {
        MemoryStorage data = new MemoryStorage();
        AtomicReference<Thread> syncWriteOn = new AtomicReference<>();
        Storage recording = new Storage() {
            @Override
            public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
                syncWriteOn.set(Thread.currentThread());
                data.write(ctx, batch);
            }

            @Override
            public StorageReader reader(Kvrpcpb.Context ctx) {
                return data.reader(ctx);
            }

            @Override
            public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
                return data.writeAsync(ctx, batch);
            }

            @Override
            public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
                return data.readerAsync(ctx);
            }

            @Override
            public void close() {}
        };
        RequestValidator validator = new RequestValidator(LIMITS);
        String name = InProcessServerBuilder.generateName();
        // Every call on the thread that delivered it, as the raw writes are on a network thread.
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new TikvService(
                        recording,
                        validator,
                        new TxnHandler(new TxnCommands(recording), validator),
                        RawValues.withoutTtl(),
                        null,
                        Runnable::run,
                        AnswerDeadline.NONE,
                        casWrites))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(channel);

        Kvrpcpb.RawPutResponse plain = tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("a"))
                .setValue(ByteString.copyFromUtf8("1"))
                .build());
        assertThat(plain.getError()).isEmpty();
        assertThat(syncWriteOn.get()).as("a plain write waits nowhere").isNull();

        Kvrpcpb.RawPutResponse forCas = tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("b"))
                .setValue(ByteString.copyFromUtf8("2"))
                .setForCas(true)
                .build());
        assertThat(forCas.getError()).isEmpty();
        assertThat(forCas.hasRegionError()).isFalse();
        assertThat(syncWriteOn.get()).isNotNull();
        assertThat(syncWriteOn.get().getName()).isEqualTo("cas-writes");

        assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("b"))
                                .build())
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("2");
    }
}
