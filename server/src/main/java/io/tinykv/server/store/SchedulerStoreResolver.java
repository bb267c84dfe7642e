package io.tinykv.server.store;

import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.transport.grpc.StoreResolver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds other stores through the scheduler's {@code GetStore}. The transport resolves a store each
 * time it (re)connects to it, so asking every time keeps a moved store reachable; the last known
 * address is used while the scheduler does not answer. Called only on the transport's threads.
 */
final class SchedulerStoreResolver implements StoreResolver {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerStoreResolver.class);

    private final StorePdClient scheduler;
    private final Map<Long, String> known = new ConcurrentHashMap<>();

    SchedulerStoreResolver(StorePdClient scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public String resolve(long storeId) {
        try {
            Metapb.Store store = scheduler.getStoreOnce(storeId);
            if (store.getState() == Metapb.StoreState.Tombstone) {
                known.remove(storeId);
                throw new UnknownStoreException(storeId);
            }
            String address = store.getPeerAddress().isEmpty() ? store.getAddress() : store.getPeerAddress();
            if (address.isEmpty()) {
                throw new UnknownStoreException(storeId);
            }
            String previous = known.put(storeId, address);
            if (previous == null || !previous.equals(address)) {
                LOG.info("store {} is at {}", storeId, address);
            }
            return address;
        } catch (UnknownStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            String cached = known.get(storeId);
            if (cached == null) {
                LOG.debug("cannot resolve store {}: {}", storeId, e.toString());
                throw new UnknownStoreException(storeId);
            }
            return cached;
        }
    }
}
