package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.storage.Engines;
import io.tinykv.storage.HaltRecorder;
import io.tinykv.storage.StandaloneStorage;
import io.tinykv.storage.StorageFaults;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone's write path is fail-stop (DESIGN.md §6): a failed write halts the process, and
 * until it is gone no later write is accepted, even when the disk seems to have recovered. Before,
 * the client got "storage error" and the next write went through over a WAL that had lost one.
 */
class StandaloneFailStopTest {

    private static final long CHANNEL_CLOSE_SECONDS = 5;

    @TempDir
    Path dir;

    private static Kvrpcpb.RawPutRequest put(String key, String value) {
        return Kvrpcpb.RawPutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)).build();
    }

    private static String get(TikvGrpc.TikvBlockingStub tikv, String key) {
        Kvrpcpb.RawGetResponse response = tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).build());
        return response.getNotFound() ? null : response.getValue().toStringUtf8();
    }

    @Test
    void aFailedWriteHaltsAndTheServerAcceptsNoFurtherWrite() throws Exception {
        Config config = ConfigLoader.applyOverrides(Config.defaults(), new ConfigLoader.Overrides(
                new HostAndPort("127.0.0.1", 0), null, "", dir.resolve("data"))).validate();
        HaltRecorder halter = new HaltRecorder();
        StorageFaults faults = new StorageFaults();
        AtomicReference<Engines> opened = new AtomicReference<>();
        StorageFactory faulty = (dataDir, storage) -> {
            Engines engines = Engines.open(dataDir, storage.toEngineConfig(), halter);
            opened.set(engines);
            return new StandaloneStorage(engines, halter);
        };
        try (StandaloneServer server = StandaloneServer.start(config, faulty, System::currentTimeMillis,
                new Random(1))) {
            ManagedChannel ch = NettyChannelBuilder.forAddress(server.boundAddress().toSocketAddress())
                    .usePlaintext().build();
            try {
                TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(ch);
                assertThat(tikv.rawPut(put("before", "1")).getError()).isEmpty();

                opened.get().kv().injectFaults(faults.fail(StorageFaults.Point.WRITE));
                assertThatThrownBy(() -> tikv.rawPut(put("failed", "2")))
                        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INTERNAL));
                assertThat(faults.injected()).as("the write really failed").isEqualTo(1);
                assertThat(halter.halts()).singleElement().satisfies(h -> assertThat(h.path())
                        .contains("standalone write"));

                faults.heal(StorageFaults.Point.WRITE);
                Kvrpcpb.RawPutResponse refused = tikv.rawPut(put("after", "3"));
                assertThat(refused.getError()).contains("refused after a failed write");
                assertThat(faults.injected()).isEqualTo(1);
                assertThat(get(tikv, "before")).isEqualTo("1");
                assertThat(get(tikv, "failed")).isNull();
                assertThat(get(tikv, "after")).isNull();
            } finally {
                ch.shutdownNow().awaitTermination(CHANNEL_CLOSE_SECONDS, TimeUnit.SECONDS);
            }
        }
        assertThat(halter.halts()).hasSize(1);
    }
}
