package io.tinykv.server.store;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.List;

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
    public void close() {
        inner.close();
    }
}
