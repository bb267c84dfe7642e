package io.tinykv.server.store;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Counts the commands a storage hands to Raft, by kind and result (see {@link StoreMetrics}). */
final class CountingStorage implements Storage {

    private final Storage inner;
    private final StoreMetrics metrics;

    CountingStorage(Storage inner, StoreMetrics metrics) {
        this.inner = inner;
        this.metrics = metrics;
    }

    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        if (batch.isEmpty()) {
            inner.write(ctx, batch);
            return;
        }
        String result = "error";
        try {
            inner.write(ctx, batch);
            result = "ok";
        } catch (RegionException e) {
            result = "region_error";
            throw e;
        } finally {
            metrics.proposal("write", result);
        }
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        String result = "error";
        try {
            StorageReader reader = inner.reader(ctx);
            result = "ok";
            return reader;
        } catch (RegionException e) {
            result = "region_error";
            throw e;
        } finally {
            metrics.proposal("read", result);
        }
    }

    @Override
    public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        if (batch.isEmpty()) {
            return inner.writeAsync(ctx, batch);
        }
        return inner.writeAsync(ctx, batch).whenComplete((ok, failure) -> metrics.proposal("write", result(failure)));
    }

    @Override
    public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
        return inner.readerAsync(ctx).whenComplete((reader, failure) -> metrics.proposal("read", result(failure)));
    }

    private static String result(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof RegionException ? "region_error" : "error";
    }

    @Override
    public void close() {
        inner.close();
    }
}
