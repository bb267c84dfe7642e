package io.tinykv.compat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tikv.common.TiSession;
import org.tikv.common.region.TiRegion;

/**
 * Looks at a key's Percolator lock directly with a bare {@code KvGet}, bypassing the TiKV client
 * (whose reads resolve locks they meet, so they cannot tell whether a lock is there). The request
 * names the key's region as the client's region cache knows it: a store serves a region, not a bare
 * key.
 */
final class LockProbe implements AutoCloseable {

    private static final long RPC_DEADLINE_MILLIS = 10_000;

    private final TiSession session;
    private final ManagedChannel channel;
    private final TikvGrpc.TikvBlockingStub stub;

    /**
     * @param session finds each key's region
     * @param storeAddress the store holding the regions
     */
    LockProbe(TiSession session, String storeAddress) {
        this.session = session;
        String address = storeAddress;
        this.channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        this.stub = TikvGrpc.newBlockingStub(channel);
    }

    /** The lock a reader at {@code readTs} meets on {@code key}, if any. */
    Optional<Kvrpcpb.LockInfo> lockSeenAt(byte[] key, long readTs) {
        Kvrpcpb.GetResponse resp = stub.withDeadlineAfter(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .kvGet(Kvrpcpb.GetRequest.newBuilder()
                        .setContext(leaderContext(session, key))
                        .setKey(ByteString.copyFrom(key))
                        .setVersion(readTs)
                        .build());
        if (resp.hasRegionError()) {
            throw new AssertionError("unexpected region error from KvGet: " + resp.getRegionError());
        }
        if (resp.hasError()) {
            if (resp.getError().hasLocked()) {
                return Optional.of(resp.getError().getLocked());
            }
            throw new AssertionError("unexpected key error from KvGet: " + resp.getError());
        }
        return Optional.empty();
    }

    /** The context of a request to the leader of {@code key}'s region, as the client's region cache has it. */
    static Kvrpcpb.Context leaderContext(TiSession session, byte[] key) {
        return leaderContext(
                session.getRegionManager().getRegionByKey(org.tikv.shade.com.google.protobuf.ByteString.copyFrom(key)));
    }

    /** The context of a request to {@code region}'s leader, in our kvproto's classes. */
    static Kvrpcpb.Context leaderContext(TiRegion region) {
        org.tikv.kvproto.Kvrpcpb.Context context = region.getLeaderContext();
        try {
            // The client's kvproto and ours are the same messages on the wire.
            return Kvrpcpb.Context.parseFrom(context.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the client's Context does not parse as ours", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
