package io.tinykv.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operators in flight, at most one per region, and their lifecycle on each heartbeat of their
 * region. Not thread-safe: the {@link Coordinator} calls it under its lock.
 */
final class OperatorController {

    /** What a heartbeat means for the region's operator. */
    enum Event {
        /** No operator for this region. */
        NONE,
        /** The heartbeat shows the operator's last step done; it is removed. */
        FINISHED,
        /** The operator outlived the timeout; it is removed. */
        TIMED_OUT,
        /** The region's epoch moved on without the operator; it is removed. */
        DROPPED,
        /** The change is applied but not finished (an added peer catching up): wait, do not resend. */
        WAITING,
        /** The current step is not carried out yet: send it (again) to the leader. */
        SEND
    }

    record Outcome(Event event, Operator operator) {}

    private final long timeoutMillis;
    private final Map<Long, Operator> byRegion = new HashMap<>();

    OperatorController(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    Optional<Operator> get(long regionId) {
        return Optional.ofNullable(byRegion.get(regionId));
    }

    List<Operator> all() {
        return List.copyOf(byRegion.values());
    }

    /** Adds {@code op} unless its region already has one; returns whether it was added. */
    boolean add(Operator op) {
        return byRegion.putIfAbsent(op.regionId(), op) == null;
    }

    Outcome onHeartbeat(RegionInfo region, long nowMillis) {
        Operator op = byRegion.get(region.id());
        if (op == null) {
            return new Outcome(Event.NONE, null);
        }
        while (op.step().isDone(region) && !op.isLastStep()) {
            op = op.advance(region.epoch());
            byRegion.put(region.id(), op);
        }
        Event event;
        if (op.step().isDone(region)) {
            event = Event.FINISHED;
        } else if (nowMillis - op.createdAtMillis() >= timeoutMillis) {
            event = Event.TIMED_OUT;
        } else if (op.step().isApplied(region)) {
            return new Outcome(Event.WAITING, op);
        } else if (!region.epoch().equals(op.epoch())) {
            event = Event.DROPPED;
        } else {
            return new Outcome(Event.SEND, op);
        }
        byRegion.remove(region.id());
        return new Outcome(event, op);
    }
}
