package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A store relays a call that names another store in {@code tikv-forwarded-host}, as TiKV does. */
class ForwardedCallsTest {

    private final String follower = InProcessServerBuilder.generateName();
    private final String leader = InProcessServerBuilder.generateName();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private ForwardedCalls forwarded;

    @BeforeEach
    void startTwoStores() throws IOException {
        // Each store answers with its own name, so the test sees which one served the call.
        servers.add(InProcessServerBuilder.forName(leader)
                .directExecutor()
                .addService(new NamedStore(leader))
                .build()
                .start());
        forwarded = new ForwardedCalls(() -> follower, Set.of(follower, leader)::contains, this::channel);
        servers.add(InProcessServerBuilder.forName(follower)
                .directExecutor()
                .addService(new NamedStore(follower))
                .intercept(forwarded)
                .build()
                .start());
    }

    @AfterEach
    void stop() throws InterruptedException {
        forwarded.close();
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCallNamingAnotherStoreIsServedByThatStore() {
        assertThat(rawGet(leader, "k").getValue().toStringUtf8()).isEqualTo(leader + ":k");
    }

    @Test
    void aCallWithoutTheHeaderOrNamingThisStoreIsServedHere() {
        assertThat(rawGet(null, "k").getValue().toStringUtf8()).isEqualTo(follower + ":k");
        assertThat(rawGet(follower, "k").getValue().toStringUtf8()).isEqualTo(follower + ":k");
    }

    @Test
    void theTargetsErrorReachesTheCaller() {
        assertThatThrownBy(() -> rawGet(leader, NamedStore.FAIL))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains(leader);
                });
    }

    @Test
    void anAddressThatIsNotAStoreOfTheClusterIsRefused() {
        assertThatThrownBy(() -> rawGet("10.0.0.1:22", "k")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("10.0.0.1:22 is not a store of this cluster");
        });
    }

    @Test
    void aCallToRelayOnceClosedIsRefusedAsUnavailable() {
        forwarded.close();
        assertThatThrownBy(() -> rawGet(leader, "k")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("shutting down");
        });
        assertThat(rawGet(null, "k").getValue().toStringUtf8())
                .as("a call for this store itself is still served")
                .isEqualTo(follower + ":k");
    }

    private Kvrpcpb.RawGetResponse rawGet(String forwardTo, String key) {
        TikvGrpc.TikvBlockingStub stub =
                TikvGrpc.newBlockingStub(channel(follower)).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (forwardTo != null) {
            Metadata header = new Metadata();
            header.put(ForwardedCalls.FORWARDED_HOST, forwardTo);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header));
        }
        return stub.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .build());
    }

    private ManagedChannel channel(String name) {
        ManagedChannel c =
                InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(c);
        return c;
    }

    private static final class NamedStore extends TikvGrpc.TikvImplBase {
        static final String FAIL = "fail";
        private final String name;

        NamedStore(String name) {
            this.name = name;
        }

        @Override
        public void rawGet(Kvrpcpb.RawGetRequest request, StreamObserver<Kvrpcpb.RawGetResponse> out) {
            if (request.getKey().toStringUtf8().equals(FAIL)) {
                out.onError(
                        Status.NOT_FOUND.withDescription("refused by " + name).asRuntimeException());
                return;
            }
            out.onNext(Kvrpcpb.RawGetResponse.newBuilder()
                    .setValue(ByteString.copyFromUtf8(
                            name + ":" + request.getKey().toStringUtf8()))
                    .build());
            out.onCompleted();
        }
    }
}
