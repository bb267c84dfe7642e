package io.tinykv.server.store;

import io.grpc.Context;
import io.tinykv.client.PdException;
import io.tinykv.proto.Metapb;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an address belongs to one of this cluster's stores, from the scheduler's store list. The
 * list is fetched again when an address is not in it (a store that joined since), at most once per
 * {@code minRefreshNanos}, so a caller naming random addresses cannot make every call a scheduler
 * round trip.
 */
final class StoreAddresses implements Predicate<String> {

    private static final Logger LOG = LoggerFactory.getLogger(StoreAddresses.class);

    private final Supplier<Iterable<Metapb.Store>> stores;
    private final LongSupplier nanoClock;
    private final long minRefreshNanos;
    private volatile Set<String> known = Set.of();
    private long lastRefreshNanos;
    private boolean refreshedOnce;

    StoreAddresses(Supplier<Iterable<Metapb.Store>> stores, LongSupplier nanoClock, long minRefreshNanos) {
        this.stores = stores;
        this.nanoClock = nanoClock;
        this.minRefreshNanos = minRefreshNanos;
    }

    @Override
    public boolean test(String address) {
        if (known.contains(address)) {
            return true;
        }
        refreshIfDue();
        return known.contains(address);
    }

    private synchronized void refreshIfDue() {
        long now = nanoClock.getAsLong();
        if (refreshedOnce && now - lastRefreshNanos < minRefreshNanos) {
            return;
        }
        refreshedOnce = true;
        lastRefreshNanos = now;
        try {
            Set<String> fresh = new HashSet<>();
            for (Metapb.Store store : outsideTheCallersContext(stores)) {
                fresh.add(store.getAddress());
            }
            known = Set.copyOf(fresh);
        } catch (PdException e) {
            LOG.warn("cannot list the cluster's stores (to check a forwarded call's target): {}", e.toString());
        }
    }

    /**
     * {@code stores}, fetched outside the relayed call's gRPC context: its deadline (often a few ms
     * away under load) or its cancellation would end the scheduler call too, and leave the list
     * empty until the next refresh is due, refusing every relay meanwhile.
     */
    private static Iterable<Metapb.Store> outsideTheCallersContext(Supplier<Iterable<Metapb.Store>> stores) {
        Context forked = Context.current().fork();
        Context previous = forked.attach();
        try {
            return stores.get();
        } finally {
            forked.detach(previous);
        }
    }

    @Override
    public String toString() {
        return known.stream().sorted().collect(Collectors.joining(",", "[", "]"));
    }
}
