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
    private final long leaderTimeoutMillis;
    private final Map<Long, Operator> byRegion = new HashMap<>();
    /** One entry per region that ever had an operator: bounded by the regions, never by time. */
    private final Map<Long, Report> lastEnded = new HashMap<>();
    /** When each region's last timed-out operator ended: at most one entry per region. */
    private final Map<Long, TimedOut> timedOut = new HashMap<>();

    private record TimedOut(long atMillis, long restMillis) {}

    /**
     * @param timeoutMillis how long an operator that adds or removes peers may run
     * @param leaderTimeoutMillis how long an operator that only transfers leadership may run: a
     *     transfer happens within an election timeout or not at all, and until the operator ends its
     *     region takes no other operator and its stores count it against their leader limits
     */
    OperatorController(long timeoutMillis, long leaderTimeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.leaderTimeoutMillis = leaderTimeoutMillis;
    }

    private long timeoutOf(Operator op) {
        return op.onlyMovesLeaders() ? leaderTimeoutMillis : timeoutMillis;
    }

    private boolean timedOut(Operator op, long nowMillis) {
        return nowMillis - op.createdAtMillis() >= timeoutOf(op);
    }

    private void noteTimedOut(Operator op, long nowMillis) {
        lastEnded.put(op.regionId(), new Report(op, Pdpb.OperatorStatus.TIMEOUT));
        timedOut.put(op.regionId(), new TimedOut(nowMillis, timeoutOf(op)));
    }

    /**
     * Whether the region's last operator timed out less than that operator's own timeout ago. The
     * balance schedulers leave such a region alone for that long: they choose deterministically, so
     * without a rest a region whose transfer cannot happen (its leader cannot reach the target) would
     * be chosen again at once, time out again, and hold its store's limit for good.
     */
    boolean resting(long regionId, long nowMillis) {
        TimedOut t = timedOut.get(regionId);
        if (t == null) {
            return false;
        }
        if (nowMillis - t.atMillis() >= t.restMillis()) {
            timedOut.remove(regionId);
            return false;
        }
        return true;
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
        for (Iterator<Operator> it = byRegion.values().iterator(); it.hasNext(); ) {
            Operator op = it.next();
            if (timedOut(op, nowMillis)) {
                it.remove();
                noteTimedOut(op, nowMillis);
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
        } else if (timedOut(op, nowMillis)) {
            event = Event.TIMED_OUT;
        } else if (op.step().isApplied(region)) {
            return new Outcome(Event.WAITING, op);
        } else if (!region.epoch().equals(op.epoch())) {
            event = Event.DROPPED;
        } else {
            return new Outcome(Event.SEND, op);
        }
        byRegion.remove(region.id());
        if (event == Event.TIMED_OUT) {
            noteTimedOut(op, nowMillis);
        } else {
            lastEnded.put(
                    region.id(),
                    new Report(op, event == Event.FINISHED ? Pdpb.OperatorStatus.SUCCESS : Pdpb.OperatorStatus.CANCEL));
        }
        return new Outcome(event, op);
    }
}
