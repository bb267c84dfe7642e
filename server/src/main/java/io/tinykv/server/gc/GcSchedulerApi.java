package io.tinykv.server.gc;

/** What the GC worker asks of the scheduler (PD's GC safe point calls); one attempt each. */
public interface GcSchedulerApi {

    /** GetGCSafePoint. */
    long gcSafePoint();

    /**
     * UpdateServiceGCSafePoint: holds the safe point at or below {@code safePoint} for
     * {@code ttlSeconds}; {@code ttlSeconds <= 0} removes the hold.
     *
     * @return whether the hold was recorded (false: it lies below the GC safe point already)
     */
    boolean holdSafePoint(String serviceId, long ttlSeconds, long safePoint);
}
