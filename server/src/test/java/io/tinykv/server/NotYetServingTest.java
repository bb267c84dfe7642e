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
import io.grpc.stub.StreamObserver;
import io.grpc.util.MutableHandlerRegistry;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store that is still starting answers UNAVAILABLE (retried by clients), not UNIMPLEMENTED, and
 * serves once its real service replaces the placeholder.
 */
class NotYetServingTest {

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
    }

    @Test
    void callsGetUnavailableUntilTheRealServiceReplacesThePlaceholder() throws Exception {
        MutableHandlerRegistry services = new MutableHandlerRegistry();
        services.addService(NotYetServing.placeholder(TikvGrpc.getServiceDescriptor(), "the store is starting"));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .fallbackHandlerRegistry(services)
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(channel);
        Kvrpcpb.RawGetRequest get = Kvrpcpb.RawGetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k"))
                .build();

        assertThatThrownBy(() -> tikv.rawGet(get)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).isEqualTo("the store is starting");
        });
        assertThatThrownBy(() -> tikv.kvBatchRollback(Kvrpcpb.BatchRollbackRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

        services.addService(new TikvGrpc.TikvImplBase() {
            @Override
            public void rawGet(Kvrpcpb.RawGetRequest request, StreamObserver<Kvrpcpb.RawGetResponse> out) {
                out.onNext(Kvrpcpb.RawGetResponse.newBuilder()
                        .setValue(ByteString.copyFromUtf8("v"))
                        .build());
                out.onCompleted();
            }
        });
        assertThat(tikv.rawGet(get).getValue().toStringUtf8()).isEqualTo("v");
    }
}
