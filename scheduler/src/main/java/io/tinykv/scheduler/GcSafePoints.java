package io.tinykv.scheduler;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's MVCC GC safe point and the service safe points that hold it back, as PD keeps
 * them: stores may remove every version a reader at or above the safe point cannot see, and refuse
 * reads below it. The safe point never moves backwards, and never past a live service safe point
 * (a backup, a client's oldest open transaction, a store's oldest lock): both the scheduler's own
 * {@link #advance} and a caller's {@link #update} stop at the smallest one. A service safe point
 * below the GC safe point is refused (the versions it asks for may be gone already).
 *
 * <p>Everything is persisted before it is answered or acted on: a restarted scheduler neither
 * lowers the safe point nor forgets a service's claim. Timestamps compare unsigned (kvproto's
 * uint64). Thread-safe: every method is synchronized; the calls are rare and short.
 */
public final class GcSafePoints {

    /** What UpdateServiceGCSafePoint answers: the smallest live service safe point after the call. */
    public record ServiceAnswer(String serviceId, long ttlSeconds, long minSafePoint) {}

    private final PersistedLong stored;
    private final MetaStore meta;
    private final Map<String, ServiceSafePoint> services = new TreeMap<>();
    private long safePoint;

    public GcSafePoints(MetaStore meta) {
        this.meta = meta;
        this.stored = meta.cell(MetaStore.GC_SAFE_POINT);
        this.safePoint = stored.read().orElse(0);
        for (ServiceSafePoint p : meta.loadServiceSafePoints()) {
            services.put(p.serviceId(), p);
        }
    }

    public synchronized long safePoint() {
        return safePoint;
    }

    /**
     * UpdateGCSafePoint: raises the safe point to {@code requested}, but not past the smallest
     * live service safe point; a lower request changes nothing.
     *
     * @return the safe point after the call
     */
    public synchronized long update(long requested, long nowMillis) {
        return raiseTo(clampToServices(requested, nowMillis));
    }

    /**
     * The scheduler's own step: the safe point follows {@code now - lifeTime} (as a TSO timestamp
     * with logical 0), held back by the live service safe points. Expired ones are dropped first.
     *
     * @return the safe point after the step
     */
    public synchronized long advance(long nowMillis, long lifeTimeMillis) {
        long physical = nowMillis - lifeTimeMillis;
        if (physical <= 0) {
            return safePoint;
        }
        return raiseTo(clampToServices(physical << Tso.LOGICAL_BITS, nowMillis));
    }

    /**
     * UpdateServiceGCSafePoint: records (or with {@code ttlSeconds <= 0} removes) the service's
     * safe point for {@code ttlSeconds}. A safe point below the GC safe point is not recorded; the
     * answer's {@code minSafePoint} then lies above the request, which is how the caller learns it.
     */
    public synchronized ServiceAnswer updateService(String serviceId, long ttlSeconds, long requested, long nowMillis) {
        dropExpired(nowMillis);
        if (ttlSeconds <= 0) {
            if (services.remove(serviceId) != null) {
                meta.deleteServiceSafePoint(serviceId);
            }
        } else if (Long.compareUnsigned(requested, safePoint) < 0) {
            return new ServiceAnswer("", 0, safePoint);
        } else {
            ServiceSafePoint point = new ServiceSafePoint(serviceId, requested, expiresAt(nowMillis, ttlSeconds));
            meta.putServiceSafePoint(point);
            services.put(serviceId, point);
        }
        return minService(nowMillis)
                .map(p -> new ServiceAnswer(p.serviceId(), remainingSeconds(p, nowMillis), p.safePoint()))
                .orElse(new ServiceAnswer("", 0, safePoint));
    }

    /** The live service safe points, for status pages and tests. */
    public synchronized Map<String, ServiceSafePoint> services(long nowMillis) {
        dropExpired(nowMillis);
        return Map.copyOf(services);
    }

    private long clampToServices(long candidate, long nowMillis) {
        dropExpired(nowMillis);
        Optional<ServiceSafePoint> min = minService(nowMillis);
        return min.isPresent() && Long.compareUnsigned(min.get().safePoint(), candidate) < 0
                ? min.get().safePoint()
                : candidate;
    }

    private long raiseTo(long candidate) {
        if (Long.compareUnsigned(candidate, safePoint) > 0) {
            stored.write(candidate);
            safePoint = candidate;
        }
        return safePoint;
    }

    private Optional<ServiceSafePoint> minService(long nowMillis) {
        ServiceSafePoint min = null;
        for (ServiceSafePoint p : services.values()) {
            if (p.isLiveAt(nowMillis) && (min == null || Long.compareUnsigned(p.safePoint(), min.safePoint()) < 0)) {
                min = p;
            }
        }
        return Optional.ofNullable(min);
    }

    private void dropExpired(long nowMillis) {
        for (Iterator<ServiceSafePoint> it = services.values().iterator(); it.hasNext(); ) {
            ServiceSafePoint p = it.next();
            if (!p.isLiveAt(nowMillis)) {
                meta.deleteServiceSafePoint(p.serviceId());
                it.remove();
            }
        }
    }

    private static long expiresAt(long nowMillis, long ttlSeconds) {
        long ttlMillis = ttlSeconds > (Long.MAX_VALUE - nowMillis) / TimeUnit.SECONDS.toMillis(1)
                ? Long.MAX_VALUE - nowMillis
                : TimeUnit.SECONDS.toMillis(ttlSeconds);
        return nowMillis + ttlMillis;
    }

    private static long remainingSeconds(ServiceSafePoint p, long nowMillis) {
        return TimeUnit.MILLISECONDS.toSeconds(p.expiresAtMillis() - nowMillis);
    }
}
