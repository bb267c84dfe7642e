package io.tinykv.client.txn;

import io.tinykv.client.pd.PdClient;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start ts of one client's open transactions, and their claim on PD's GC safe point: the
 * oldest is registered as the service safe point {@code serviceId} (refreshed every
 * {@link TxnKvClient#GC_REGISTER_INTERVAL_MS}, alive for {@link TxnKvClient#GC_REGISTER_TTL_SECONDS}),
 * so versions a long transaction still reads are not collected under it; with none open the claim
 * is withdrawn. A transaction younger than PD's gc-life-time needs no claim (the life time keeps its
 * versions), which is why a periodic refresh is enough as long as its interval is well below the
 * life time. Thread-safe.
 */
final class OpenTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(OpenTransactions.class);

    private final String serviceId;
    /** Start ts (unsigned order) to the number of open transactions with it. */
    private final TreeMap<Long, Integer> open = new TreeMap<>(Long::compareUnsigned);

    private boolean registered;

    OpenTransactions(String serviceId) {
        this.serviceId = serviceId;
    }

    String serviceId() {
        return serviceId;
    }

    synchronized void opened(long startTs) {
        open.merge(startTs, 1, Integer::sum);
    }

    synchronized void closed(long startTs) {
        open.computeIfPresent(startTs, (ts, n) -> n == 1 ? null : n - 1);
    }

    synchronized OptionalLong oldest() {
        return open.isEmpty() ? OptionalLong.empty() : OptionalLong.of(open.firstKey());
    }

    /** Registers the oldest open transaction with PD, or withdraws the claim when none is open. */
    void register(PdClient pd, long ttlSeconds) {
        OptionalLong oldest = oldest();
        try {
            if (oldest.isPresent()) {
                long min = pd.updateServiceGcSafePoint(serviceId, ttlSeconds, oldest.getAsLong());
                if (Long.compareUnsigned(min, oldest.getAsLong()) > 0) {
                    LOG.warn(
                            "txn {} is older than PD's GC safe point {}: its reads will be refused",
                            Long.toUnsignedString(oldest.getAsLong()),
                            Long.toUnsignedString(min));
                }
                markRegistered(true);
            } else if (isRegistered()) {
                pd.updateServiceGcSafePoint(serviceId, 0, 0);
                markRegistered(false);
            }
        } catch (RuntimeException e) {
            LOG.debug("registering open transactions with PD failed: {}", e.getMessage());
        }
    }

    private synchronized boolean isRegistered() {
        return registered;
    }

    private synchronized void markRegistered(boolean value) {
        registered = value;
    }
}
