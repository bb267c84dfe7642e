package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.txn.TxnCommands;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Item 5's request bounds at the API edge: keys per batch, duplicate keys read once, and a byte
 * budget per answer of RawBatchGet, RawScan, KvBatchGet and KvScan (refused, never cut short).
 */
class RequestBoundsTest {

    private static final long MAX_BATCH_KEYS = 100;
    private static final long MAX_RESPONSE_BYTES = 48 * 1024;
    private static final int VALUE_BYTES = 12 * 1024;
    /** Five values of 12 KiB: more than the 48 KiB budget; three fit. */
    private static final int BIG_KEYS = 5;

    private final MemoryStorage storage = new MemoryStorage();
    private Server server;
    private ManagedChannel channel;
    private TikvGrpc.TikvBlockingStub tikv;

    @BeforeEach
    void start() throws Exception {
        Config.Limits limits =
                new Config.Limits(1024, MAX_RESPONSE_BYTES, 10_000, 1 << 20, MAX_BATCH_KEYS, MAX_RESPONSE_BYTES, 8);
        RequestValidator validator = new RequestValidator(limits);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(new TikvService(storage, validator, new TxnHandler(new TxnCommands(storage), validator)))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        tikv = TikvGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static ByteString value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        java.util.Arrays.fill(v, (byte) i);
        return ByteString.copyFrom(v);
    }

    private void putRawBigValues() {
        for (int i = 0; i < BIG_KEYS; i++) {
            storage.write(
                    Kvrpcpb.Context.getDefaultInstance(),
                    List.of(new Modify.Put(Cf.DEFAULT, ("k" + i).getBytes(), value(i).toByteArray())));
        }
    }

    @Test
    void aBatchGetOfOneKeyRepeatedReadsAndAnswersItOnce() {
        putRawBigValues();
        List<ByteString> copies = Collections.nCopies((int) MAX_BATCH_KEYS - 1, b("k0"));

        Kvrpcpb.RawBatchGetResponse resp = tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                .addAllKeys(copies)
                .addKeys(b("absent"))
                .build());

        assertThat(resp.getPairsList())
                .singleElement()
                .satisfies(p -> assertThat(p.getValue()).isEqualTo(value(0)));
    }

    @Test
    void rawReadsWhoseAnswerOutgrowsTheBudgetAreRefusedAndSmallerOnesAnswered() {
        putRawBigValues();
        Kvrpcpb.RawBatchGetRequest.Builder all = Kvrpcpb.RawBatchGetRequest.newBuilder();
        for (int i = 0; i < BIG_KEYS; i++) {
            all.addKeys(b("k" + i));
        }
        assertResourceExhausted(() -> tikv.rawBatchGet(all.build()));
        assertResourceExhausted(() ->
                tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder().setLimit(100).build()));
        assertResourceExhausted(() -> tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                .setLimit(100)
                .setReverse(true)
                .build()));

        assertThat(tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                                .addKeys(b("k0"))
                                .addKeys(b("k1"))
                                .build())
                        .getPairsCount())
                .isEqualTo(2);
        assertThat(tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder().setLimit(3).build())
                        .getKvsCount())
                .isEqualTo(3);
        assertThat(tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                                .setLimit(100)
                                .setKeyOnly(true)
                                .build())
                        .getKvsCount())
                .as("keys alone fit")
                .isEqualTo(BIG_KEYS);
    }

    @Test
    void transactionalReadsWhoseAnswerOutgrowsTheBudgetAreRefusedAndSmallerOnesAnswered() {
        // Two prewrites: all five values would be over the entry size limit (= the budget).
        Kvrpcpb.PrewriteRequest.Builder prewrite = Kvrpcpb.PrewriteRequest.newBuilder()
                .setPrimaryLock(b("t0"))
                .setStartVersion(10)
                .setLockTtl(3_000);
        Kvrpcpb.PrewriteRequest.Builder prewriteRest = prewrite.clone();
        Kvrpcpb.CommitRequest.Builder commit =
                Kvrpcpb.CommitRequest.newBuilder().setStartVersion(10).setCommitVersion(11);
        Kvrpcpb.BatchGetRequest.Builder batchGet =
                Kvrpcpb.BatchGetRequest.newBuilder().setVersion(20);
        for (int i = 0; i < BIG_KEYS; i++) {
            (i < 3 ? prewrite : prewriteRest)
                    .addMutations(Kvrpcpb.Mutation.newBuilder()
                            .setOp(Kvrpcpb.Op.Put)
                            .setKey(b("t" + i))
                            .setValue(value(i)));
            commit.addKeys(b("t" + i));
            batchGet.addKeys(b("t" + i));
        }
        Kvrpcpb.PrewriteResponse tooLarge = tikv.kvPrewrite(prewrite.clone()
                .addAllMutations(prewriteRest.getMutationsList())
                .build());
        assertThat(tooLarge.getRegionError().hasRaftEntryTooLarge())
                .as("all five in one entry")
                .isTrue();
        assertThat(tikv.kvPrewrite(prewrite.build()).getErrorsList()).isEmpty();
        assertThat(tikv.kvPrewrite(prewriteRest.build()).getErrorsList()).isEmpty();
        assertThat(tikv.kvCommit(commit.build()).hasError()).isFalse();

        assertResourceExhausted(() -> tikv.kvBatchGet(batchGet.build()));
        assertResourceExhausted(() -> tikv.kvScan(Kvrpcpb.ScanRequest.newBuilder()
                .setStartKey(b("t"))
                .setLimit(100)
                .setVersion(20)
                .build()));

        assertThat(tikv.kvBatchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                                .setVersion(20)
                                .addKeys(b("t1"))
                                .addKeys(b("t1"))
                                .build())
                        .getPairsCount())
                .as("a duplicate key answered once")
                .isEqualTo(1);
        assertThat(tikv.kvScan(Kvrpcpb.ScanRequest.newBuilder()
                                .setStartKey(b("t"))
                                .setLimit(3)
                                .setVersion(20)
                                .build())
                        .getPairsCount())
                .isEqualTo(3);
        assertThat(tikv.kvScan(Kvrpcpb.ScanRequest.newBuilder()
                                .setStartKey(b("t"))
                                .setLimit(100)
                                .setVersion(20)
                                .setKeyOnly(true)
                                .build())
                        .getPairsCount())
                .isEqualTo(BIG_KEYS);
    }

    @Test
    void everyBatchOfMoreThanMaxBatchKeysIsRefusedNamingTheSetting() {
        List<ByteString> tooMany = new ArrayList<>();
        for (int i = 0; i <= MAX_BATCH_KEYS; i++) {
            tooMany.add(b("x" + i));
        }
        List<Kvrpcpb.KvPair> pairs = tooMany.stream()
                .map(k -> Kvrpcpb.KvPair.newBuilder().setKey(k).setValue(b("v")).build())
                .toList();
        List<Kvrpcpb.Mutation> mutations = tooMany.stream()
                .map(k -> Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(k)
                        .setValue(b("v"))
                        .build())
                .toList();

        assertInvalid(() -> tikv.rawBatchGet(
                Kvrpcpb.RawBatchGetRequest.newBuilder().addAllKeys(tooMany).build()));
        assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                .addAllPairs(pairs)
                                .build())
                        .getError())
                .contains("limits.max-batch-keys");
        assertThat(tikv.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                                .addAllKeys(tooMany)
                                .build())
                        .getError())
                .contains("limits.max-batch-keys");
        assertInvalid(() -> tikv.kvBatchGet(
                Kvrpcpb.BatchGetRequest.newBuilder().addAllKeys(tooMany).build()));
        assertInvalid(() -> tikv.kvPrewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                .setPrimaryLock(b("x0"))
                .addAllMutations(mutations)
                .build()));
        assertInvalid(() -> tikv.kvCommit(
                Kvrpcpb.CommitRequest.newBuilder().addAllKeys(tooMany).build()));
        assertInvalid(() -> tikv.kvBatchRollback(
                Kvrpcpb.BatchRollbackRequest.newBuilder().addAllKeys(tooMany).build()));
        assertInvalid(() -> tikv.kvResolveLock(
                Kvrpcpb.ResolveLockRequest.newBuilder().addAllKeys(tooMany).build()));
        assertThat(storage.reader(Kvrpcpb.Context.getDefaultInstance()).get(Cf.DEFAULT, "x0".getBytes()))
                .as("nothing of a refused batch was written")
                .isNull();
    }

    private static void assertResourceExhausted(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("limits.max-response-size");
        });
    }

    private static void assertInvalid(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("limits.max-batch-keys");
        });
    }
}
