package io.tinykv.raft.sim;

import io.tinykv.proto.Eraftpb.Message;

/**
 * A message on its way through the {@link Filter} chain: how many ticks it will be held back and
 * whether it gives up its place in the send order (reordering among messages due at the same tick).
 */
public record Envelope(Message message, int delayTicks, boolean unordered) {
    public Envelope {
        if (delayTicks < 0) {
            throw new IllegalArgumentException("delayTicks must be >= 0, got " + delayTicks);
        }
    }

    public static Envelope of(Message message) {
        return new Envelope(message, 0, false);
    }

    public Envelope delayedBy(int extraTicks) {
        return new Envelope(message, delayTicks + extraTicks, unordered);
    }

    public Envelope shuffled() {
        return new Envelope(message, delayTicks, true);
    }
}
