package io.tinykv.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A request repeating a field too often is refused before it is parsed; others pass unchanged. */
class RepeatedFieldGuardTest {

    private static final int MAX = 10;

    private final AtomicInteger handled = new AtomicInteger();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(RepeatedFieldGuard.around(
                        new TikvGrpc.TikvImplBase() {
                            @Override
                            public void rawBatchGet(
                                    Kvrpcpb.RawBatchGetRequest request,
                                    StreamObserver<Kvrpcpb.RawBatchGetResponse> out) {
                                handled.incrementAndGet();
                                out.onNext(Kvrpcpb.RawBatchGetResponse.newBuilder()
                                        .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(request.getKeys(0)))
                                        .build());
                                out.onCompleted();
                            }
                        }.bindService(),
                        MAX))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void tooManyKeysAreRefusedUnreadAndAFullBatchPasses() {
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(channel);
        ByteString k = ByteString.copyFromUtf8("k");

        assertThat(tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                                .setCf("default")
                                .addAllKeys(Collections.nCopies(MAX, k))
                                .build())
                        .getPairs(0)
                        .getKey())
                .isEqualTo(k);
        assertThatThrownBy(() -> tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                        .addAllKeys(Collections.nCopies(MAX + 1, k))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("limits.max-batch-keys");
                });
        assertThat(handled).as("the refused request never reached the handler").hasValue(1);
    }
}
