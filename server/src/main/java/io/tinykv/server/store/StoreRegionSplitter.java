package io.tinykv.server.store;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.server.InvalidRequestException;
import io.tinykv.server.RegionSplitter;
import io.tinykv.storage.RegionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SplitRegion on a store: hands the split to the region's peer here ({@link RaftStore#split}),
 * which asks the scheduler for ids and proposes it if it leads, and waits up to the command timeout
 * for it to be applied. Region errors travel back to the client as they are; a split the region
 * refuses (bad keys) is the client's error.
 */
final class StoreRegionSplitter implements RegionSplitter {

    private final RaftStore store;
    private final Duration timeout;

    StoreRegionSplitter(RaftStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    @Override
    public List<Metapb.Region> split(Kvrpcpb.Context ctx, List<ByteString> splitKeys) {
        CompletableFuture<CmdResult> done = new CompletableFuture<>();
        store.split(ctx.getRegionId(), ctx.getRegionEpoch(), splitKeys, new Callback(done::complete));
        CmdResult result;
        try {
            result = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("split of region " + ctx.getRegionId() + " not applied within " + timeout.toMillis()
                            + " ms")
                    .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason("split timed out"))
                    .build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a split", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("split failed: " + e.getCause(), e.getCause());
        }
        Errorpb.Error error = result.response().getHeader().getError();
        if (result.response().getHeader().hasError()) {
            boolean regionError = error.hasNotLeader()
                    || error.hasEpochNotMatch()
                    || error.hasRegionNotFound()
                    || error.hasStaleCommand()
                    || error.hasServerIsBusy()
                    || error.hasStoreNotMatch()
                    || error.hasKeyNotInRegion();
            if (!regionError) {
                throw new InvalidRequestException(error.getMessage());
            }
            throw new RegionException(error);
        }
        return result.response().getAdminResponse().getSplits().getRegionsList();
    }
}
