package io.tinykv.server.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts a cluster's stores all at once, as a deployment does: they find the scheduler and race to
 * bootstrap the cluster, which one start after the other would never exercise.
 */
final class StoreStarts {

    private StoreStarts() {}

    /** The started stores, in the order of {@code configs}. */
    static List<StoreServer> all(List<StoreServerConfig> configs) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(configs.size());
        try {
            List<Future<StoreServer>> started = new ArrayList<>();
            for (StoreServerConfig config : configs) {
                started.add(starters.submit(() -> StoreServer.start(config)));
            }
            List<StoreServer> stores = new ArrayList<>();
            for (Future<StoreServer> f : started) {
                stores.add(f.get());
            }
            return stores;
        } finally {
            starters.shutdown();
        }
    }

    /**
     * Stores 1 to {@code count}, each in {@code dir/store<n>} with its store-to-store service on a
     * port of its own ({@link TestConfigs#storeWithPeerPort}), by number.
     */
    static Map<Integer, StoreServer> withPeerPorts(String pdAddress, Path dir, int count) throws Exception {
        List<StoreServerConfig> configs = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            configs.add(TestConfigs.storeWithPeerPort(pdAddress, dir.resolve("store" + i)));
        }
        List<StoreServer> started = all(configs);
        Map<Integer, StoreServer> byNumber = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            byNumber.put(i, started.get(i - 1));
        }
        return byNumber;
    }
}
