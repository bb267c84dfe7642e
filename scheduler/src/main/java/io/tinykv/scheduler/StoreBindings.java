package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;
import io.tinykv.security.CallerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds each store id to the certificate that first registered it (its first {@code PutStore} or
 * {@code Bootstrap} under TLS), so that one store's certificate cannot re-address, heartbeat or
 * report regions for another store. The binding is the certificate's subject and subjectAltNames
 * ({@link CallerIdentity#binding()}): a renewed certificate with the same names keeps working. It
 * is persisted, so a scheduler restart does not open a window for whoever registers first.
 *
 * <p>Stores that share one certificate share one identity: they are told apart from clients, not
 * from each other. Give each store a certificate of its own (its own CN or address SAN) for that.
 * Calls in plaintext carry no identity and are not checked (TLS off).
 */
final class StoreBindings {

    private static final Logger LOG = LoggerFactory.getLogger(StoreBindings.class);

    private final MetaStore meta;

    StoreBindings(MetaStore meta) {
        this.meta = meta;
    }

    /**
     * A registering call for {@code storeId}: binds it to {@code caller} if it is not bound yet.
     *
     * @throws SchedulerException when the store is bound to another certificate
     */
    synchronized void bindOrCheck(long storeId, CallerIdentity caller) {
        if (caller == null) {
            return;
        }
        String bound = meta.storeBinding(storeId);
        if (bound == null) {
            meta.putStoreBinding(storeId, caller.binding());
            LOG.info("store {} is bound to certificate {}", storeId, caller.binding());
            return;
        }
        requireSame(storeId, bound, caller);
    }

    /**
     * A call speaking for {@code storeId} (heartbeats): the store must be bound to {@code caller}.
     *
     * @throws SchedulerException when it is bound to another certificate, or not bound at all
     */
    synchronized void check(long storeId, CallerIdentity caller) {
        if (caller == null) {
            return;
        }
        String bound = meta.storeBinding(storeId);
        if (bound == null) {
            throw refused("store " + storeId + " has not registered with a certificate (PutStore first)");
        }
        requireSame(storeId, bound, caller);
    }

    private static void requireSame(long storeId, String bound, CallerIdentity caller) {
        if (!bound.equals(caller.binding())) {
            LOG.warn(
                    "refused a call for store {} from certificate {}: the store is bound to {}",
                    storeId,
                    caller.binding(),
                    bound);
            throw refused("store " + storeId + " is bound to another certificate");
        }
    }

    private static SchedulerException refused(String message) {
        return new SchedulerException(Pdpb.ErrorType.UNKNOWN, message);
    }
}
