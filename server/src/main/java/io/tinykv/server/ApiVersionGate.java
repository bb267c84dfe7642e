package io.tinykv.server;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Refuses requests whose client speaks another API version than the store, as TiKV does
 * ("api version not match"). The store keeps keys as API V1 does ({@code storage.api-version} 1
 * in {@code /config}): a V2 client's keys carry a keyspace prefix, and storing them as V1 keys
 * would silently mix the two layouts. V1 requests pass, and V1TTL ones (the V1 layout with a TTL,
 * which TiKV accepts for RawKV on a cluster with TTL enabled); the TTL itself is checked elsewhere.
 */
public final class ApiVersionGate implements Storage {

    private final Storage inner;

    public ApiVersionGate(Storage inner) {
        this.inner = inner;
    }

    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        check(ctx);
        inner.write(ctx, batch);
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        check(ctx);
        return inner.reader(ctx);
    }

    @Override
    public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        try {
            check(ctx);
        } catch (InvalidRequestException e) {
            return CompletableFuture.failedFuture(e);
        }
        return inner.writeAsync(ctx, batch);
    }

    @Override
    public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
        try {
            check(ctx);
        } catch (InvalidRequestException e) {
            return CompletableFuture.failedFuture(e);
        }
        return inner.readerAsync(ctx);
    }

    @Override
    public void close() {
        inner.close();
    }

    private static void check(Kvrpcpb.Context ctx) {
        Kvrpcpb.APIVersion requested = ctx.getApiVersion();
        if (requested != Kvrpcpb.APIVersion.V1 && requested != Kvrpcpb.APIVersion.V1TTL) {
            throw new InvalidRequestException("api version not match: the request is API "
                    + (requested == Kvrpcpb.APIVersion.UNRECOGNIZED ? "version " + ctx.getApiVersionValue() : requested)
                    + ", this store keeps keys as API V1 (storage.api-version = " + StatusRoutes.API_VERSION + ")");
        }
    }
}
