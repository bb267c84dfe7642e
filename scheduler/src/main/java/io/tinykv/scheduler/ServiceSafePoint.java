package io.tinykv.scheduler;

import java.util.Objects;

/**
 * A service's claim on old versions: nothing at or above {@code safePoint} may be collected until
 * {@code expiresAtMillis} (scheduler wall clock).
 */
public record ServiceSafePoint(String serviceId, long safePoint, long expiresAtMillis) {

    public ServiceSafePoint {
        Objects.requireNonNull(serviceId, "serviceId");
    }

    boolean isLiveAt(long nowMillis) {
        return nowMillis < expiresAtMillis;
    }
}
