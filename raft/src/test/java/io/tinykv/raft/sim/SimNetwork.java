package io.tinykv.raft.sim;

import io.tinykv.proto.Eraftpb.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * The simulated wire. Messages pass the current {@link Filter} chain when sent and wait in flight
 * until their delivery tick. Without filters the network is reliable, in order, and delivers within
 * the tick the message was sent in.
 */
public final class SimNetwork {
    private record InFlight(Message message, long deliverAtTick, long orderKey) {}

    private final RandomGenerator random;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>((a, b) -> {
        int byTick = Long.compare(a.deliverAtTick, b.deliverAtTick);
        return byTick != 0 ? byTick : Long.compare(a.orderKey, b.orderKey);
    });
    private List<Filter> filters = List.of();
    private long nextSequence;

    public SimNetwork(RandomGenerator random) {
        this.random = random;
    }

    public void setFilters(List<Filter> filters) {
        this.filters = List.copyOf(filters);
    }

    public List<Filter> filters() {
        return filters;
    }

    /** Removes every fault; messages already in flight still arrive (late), as on a real network. */
    public void heal() {
        filters = List.of();
    }

    /** Puts a message on the wire; returns how many copies are in flight (0: the filters dropped it). */
    public int send(Message message, long nowTicks) {
        List<Envelope> envelopes = List.of(Envelope.of(message));
        for (Filter filter : filters) {
            List<Envelope> next = new ArrayList<>(envelopes.size() + 1);
            for (Envelope envelope : envelopes) {
                next.addAll(filter.apply(envelope, random));
            }
            envelopes = next;
        }
        for (Envelope envelope : envelopes) {
            long sequence = nextSequence++;
            // Unordered messages take a random place among those due at the same tick; ordered ones keep
            // send order (their keys are non-negative and increasing, random keys are spread over all longs).
            long orderKey = envelope.unordered() ? random.nextLong() : sequence;
            inFlight.add(new InFlight(envelope.message(), nowTicks + envelope.delayTicks(), orderKey));
        }
        return envelopes.size();
    }

    /** Takes every message due at or before {@code nowTicks}, in delivery order. */
    public List<Message> takeDue(long nowTicks) {
        List<Message> due = new ArrayList<>();
        while (!inFlight.isEmpty() && inFlight.peek().deliverAtTick <= nowTicks) {
            due.add(inFlight.poll().message);
        }
        return due;
    }

    public int inFlightCount() {
        return inFlight.size();
    }
}
