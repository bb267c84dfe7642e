package io.tinykv.compat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Looks at a key's Percolator lock directly with a bare {@code KvGet}, bypassing the TiKV client
 * (whose reads resolve locks they meet, so they cannot tell whether a lock is there).
 */
final class LockProbe implements AutoCloseable {

    private static final long RPC_DEADLINE_MILLIS = 10_000;

    private final ManagedChannel channel;
    private final TikvGrpc.TikvBlockingStub stub;

    LockProbe(String address) {
        this.channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        this.stub = TikvGrpc.newBlockingStub(channel);
    }

    /** The lock a reader at {@code readTs} meets on {@code key}, if any. */
    Optional<Kvrpcpb.LockInfo> lockSeenAt(byte[] key, long readTs) {
        Kvrpcpb.GetResponse resp = stub.withDeadlineAfter(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .kvGet(Kvrpcpb.GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).setVersion(readTs).build());
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

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
