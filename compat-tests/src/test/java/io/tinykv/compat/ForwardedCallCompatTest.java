package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.server.ForwardedCalls;
import io.tinykv.server.playground.ClusterReadiness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the TiKV Java client does when it cannot reach a region's leader: it sends the request to a
 * follower's store with the leader's address in {@code tikv-forwarded-host}. On real store
 * processes, such a call is served by the leader's store (relayed by the follower's), while the
 * same call without the header is the follower's own to answer, with {@code not_leader}.
 */
class ForwardedCallCompatTest {

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final long CALL_DEADLINE_SECONDS = 30;

    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();

    @Test
    void aFollowersStoreRelaysACallNamingTheLeadersStore() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.RAW)) {
            ClusterReadiness.Serving serving = cluster.awaitServing(STARTUP);
            RegionInfo region = serving.firstRegion();
            String leaderAddress = addressOf(serving.storeIds(), region.leader().getStoreId());
            List<String> followers = serving.storeIds().keySet().stream()
                    .filter(address -> !address.equals(leaderAddress))
                    .sorted()
                    .toList();
            assertThat(followers).hasSize(STORES - 1);
            Kvrpcpb.Context leaderContext = Kvrpcpb.Context.newBuilder()
                    .setRegionId(region.region().getId())
                    .setRegionEpoch(region.region().getRegionEpoch())
                    .setPeer(region.leader())
                    .build();

            Kvrpcpb.RawPutResponse put = stub(followers.get(0), leaderAddress)
                    .rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                            .setContext(leaderContext)
                            .setKey(bytes("forwarded"))
                            .setValue(bytes("v1"))
                            .build());
            assertThat(put.hasRegionError()).as("relayed put: %s", put).isFalse();
            assertThat(put.getError()).isEmpty();

            Kvrpcpb.RawGetResponse get = stub(followers.get(1), leaderAddress)
                    .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setContext(leaderContext)
                            .setKey(bytes("forwarded"))
                            .build());
            assertThat(get.hasRegionError()).as("relayed get: %s", get).isFalse();
            assertThat(get.getValue().toStringUtf8())
                    .as("the relayed read sees the relayed write")
                    .isEqualTo("v1");

            Kvrpcpb.RawGetResponse direct = stub(followers.get(1), null)
                    .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setContext(leaderContext)
                            .setKey(bytes("forwarded"))
                            .build());
            assertThat(direct.hasRegionError())
                    .as("without the header the follower's store answers itself: %s", direct)
                    .isTrue();

            assertThatThrownBy(() -> stub(followers.get(0), "127.0.0.1:9")
                            .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                                    .setContext(leaderContext)
                                    .setKey(bytes("forwarded"))
                                    .build()))
                    .as("a store relays only to stores of its cluster")
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        } finally {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private TikvGrpc.TikvBlockingStub stub(String address, String forwardTo) {
        ManagedChannel channel =
                ManagedChannelBuilder.forTarget(address).usePlaintext().build();
        channels.add(channel);
        TikvGrpc.TikvBlockingStub stub =
                TikvGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (forwardTo == null) {
            return stub;
        }
        Metadata header = new Metadata();
        header.put(ForwardedCalls.FORWARDED_HOST, forwardTo);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header));
    }

    private static String addressOf(Map<String, Long> storeIds, long storeId) {
        return storeIds.entrySet().stream()
                .filter(e -> e.getValue() == storeId)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no address for store " + storeId + " in " + storeIds));
    }

    private static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }
}
