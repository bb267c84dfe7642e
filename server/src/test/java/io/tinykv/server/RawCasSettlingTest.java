package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.TxnCommands;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A latched write that ends with an unknown outcome (here: a command timeout, as RaftStorage
 * reports it) may still be applied later; the next compare of that key must first push a barrier
 * through the log, and only then read.
 */
class RawCasSettlingTest {

    private static final Config.Limits LIMITS = new Config.Limits(64, 1 << 20, 100, 1 << 20);

    /** Records every write; fails the next {@code failNext} writes as timed out, writing nothing. */
    private static final class TimingOutStorage implements Storage {
        final MemoryStorage inner = new MemoryStorage();
        final List<Modify> writes = new CopyOnWriteArrayList<>();
        final AtomicInteger failNext = new AtomicInteger();

        @Override
        public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RegionException(Errorpb.Error.newBuilder()
                        .setMessage("raft command timed out")
                        .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason("raft command timed out"))
                        .build());
            }
            writes.addAll(batch);
            inner.write(ctx, batch);
        }

        @Override
        public StorageReader reader(Kvrpcpb.Context ctx) {
            return inner.reader(ctx);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private final TimingOutStorage storage = new TimingOutStorage();
    private Server server;
    private ManagedChannel channel;
    private TikvGrpc.TikvBlockingStub tikv;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        RequestValidator validator = new RequestValidator(LIMITS);
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

    private Kvrpcpb.RawCASResponse putIfAbsent(String key, String value) {
        return tikv.rawCompareAndSwap(Kvrpcpb.RawCASRequest.newBuilder()
                .setKey(b(key))
                .setValue(b(value))
                .setPreviousNotExist(true)
                .build());
    }

    @Test
    void aCompareAfterAWriteWithAnUnknownOutcomeFirstSendsABarrier() {
        storage.failNext.set(1);
        Kvrpcpb.RawPutResponse timedOut = tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(b("k"))
                .setValue(b("v"))
                .setForCas(true)
                .build());
        assertThat(timedOut.getRegionError().hasServerIsBusy())
                .as("the fault happened")
                .isTrue();
        assertThat(storage.writes).isEmpty();

        assertThat(putIfAbsent("k", "w").getSucceed()).isTrue();
        assertThat(storage.writes).hasSize(2);
        assertThat(storage.writes.get(0))
                .as("a barrier first: an empty range of the key")
                .isInstanceOfSatisfying(Modify.DeleteRange.class, r -> {
                    assertThat(r.startKey()).isEqualTo(b("k").toByteArray());
                    assertThat(r.endKey()).isEqualTo(b("k").toByteArray());
                });
        assertThat(storage.writes.get(1)).isInstanceOf(Modify.Put.class);

        assertThat(putIfAbsent("k", "x").getSucceed()).isFalse();
        assertThat(storage.writes).as("settled: no second barrier").hasSize(2);
    }

    @Test
    void aFailedBarrierFailsTheCompareAndKeepsTheKeyUnsettled() {
        storage.failNext.set(2);
        tikv.rawDelete(Kvrpcpb.RawDeleteRequest.newBuilder()
                .setKey(b("k"))
                .setForCas(true)
                .build());
        Kvrpcpb.RawCASResponse failed = putIfAbsent("k", "w");
        assertThat(failed.getRegionError().hasServerIsBusy()).isTrue();
        assertThat(failed.getSucceed()).isFalse();
        assertThat(storage.writes).isEmpty();

        assertThat(putIfAbsent("k", "w").getSucceed()).isTrue();
        assertThat(storage.writes).hasSize(2).first().isInstanceOf(Modify.DeleteRange.class);
    }

    @Test
    void writesNotFlaggedForCasTakeNoLatchAndLeaveNothingUnsettled() {
        storage.failNext.set(1);
        tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(b("k"))
                .setValue(b("v"))
                .build());
        assertThat(putIfAbsent("k", "w").getSucceed()).isTrue();
        assertThat(storage.writes).singleElement().isInstanceOf(Modify.Put.class);
    }
}
