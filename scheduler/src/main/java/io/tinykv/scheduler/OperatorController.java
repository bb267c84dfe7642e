package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operators in flight, at most one per region, and their lifecycle on each heartbeat of their
 * region; for each region also the last operator that ended and how (what PD's GetOperator
 * reports). Not thread-safe: the {@link Coordinator} calls it under its lock.
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

    /** A region's running operator ({@code RUNNING}) or its last one and how it ended. */
    record Report(Operator operator, Pdpb.OperatorStatus status) {}

    private final long timeoutMillis;
    private final Map<Long, Operator> byRegion = new HashMap<>();
    /** One entry per region that ever had an operator: bounded by the regions, never by time. */
    private final Map<Long, Report> lastEnded = new HashMap<>();

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

    /** Puts {@code op} in place of its region's operator, if any, which ends as {@code REPLACE}d. */
    Optional<Operator> replace(Operator op) {
        Operator old = byRegion.put(op.regionId(), op);
        if (old != null) {
            lastEnded.put(old.regionId(), new Report(old, Pdpb.OperatorStatus.REPLACE));
        }
        return Optional.ofNullable(old);
    }

    /** The region's running operator, else the last one that ended and how. */
    Optional<Report> report(long regionId) {
        Operator running = byRegion.get(regionId);
        if (running != null) {
            return Optional.of(new Report(running, Pdpb.OperatorStatus.RUNNING));
        }
        return Optional.ofNullable(lastEnded.get(regionId));
    }

    /** The last operator of the region that ended, and how (even while another one runs). */
    Optional<Report> lastEnded(long regionId) {
        return Optional.ofNullable(lastEnded.get(regionId));
    }

    /**
     * Removes the operators that outlived the timeout without a heartbeat of their region to notice
     * (a region that stopped heartbeating would otherwise hold its stores' limits forever).
     */
    List<Operator> expire(long nowMillis) {
        List<Operator> expired = new ArrayList<>();
        for (Iterator<Operator> it = byRegion.values().iterator(); it.hasNext();) {
            Operator op = it.next();
            if (nowMillis - op.createdAtMillis() >= timeoutMillis) {
                it.remove();
                lastEnded.put(op.regionId(), new Report(op, Pdpb.OperatorStatus.TIMEOUT));
                expired.add(op);
            }
        }
        return expired;
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
        lastEnded.put(region.id(), new Report(op, switch (event) {
            case FINISHED -> Pdpb.OperatorStatus.SUCCESS;
            case TIMED_OUT -> Pdpb.OperatorStatus.TIMEOUT;
            default -> Pdpb.OperatorStatus.CANCEL;
        }));
        return new Outcome(event, op);
    }
}
