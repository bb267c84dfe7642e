package io.tinykv.raftstore.read;

import io.tinykv.proto.Metapb;
import java.util.concurrent.atomic.LongAdder;

/**
 * A leader's lease as threads other than the Raft thread see it, so that a read can be answered on
 * the thread that received it without waiting for the Raft thread's round ({@link LocalReader}).
 *
 * <p>The Raft thread owns the {@link LeaderLease}; at the end of each of the peer's rounds it
 * publishes what the lease grants as one immutable {@link Grant} in a volatile field, and it revokes
 * the grant (publishes null) at once, before the change takes effect, wherever the lease is given
 * up: a leadership transfer, an applied membership change or split, the peer's destruction. A
 * reader never sees a half-updated lease: it sees a whole grant or none. A grant is only ever
 * published while the lease holds by every rule of {@link LeaderLease} except the clock, which the
 * reader checks itself; the expiry is on the same monotonic clock.
 *
 * <p>A step down or a term change, which the Raft thread learns inside a round, is published at the
 * end of that round. A grant still visible meanwhile is as safe as it was a moment before: the
 * lease's bound comes from the followers' refusal to vote, not from what the leader knows, so no
 * other leader can commit before the grant's expiry.
 */
public final class PublishedLease {

    /**
     * What a valid lease lets another thread do: answer reads in {@code region} as of the leader's
     * applied state, for {@code term}, while the clock is before {@code expiresAtNanos}. From {@code
     * renewFromNanos} on the reads go to the Raft thread again, which renews the lease in the
     * background (a ReadIndex round) so that steady read traffic keeps it alive.
     */
    public record Grant(long term, Metapb.Region region, long expiresAtNanos, long renewFromNanos) {

        boolean holdsAt(long nowNanos) {
            return nowNanos - expiresAtNanos < 0;
        }

        boolean wantsRenewalAt(long nowNanos) {
            return nowNanos - renewFromNanos >= 0;
        }
    }

    private volatile Grant grant;
    private final LongAdder reads = new LongAdder();

    /** The grant as published now, or null. Any thread. */
    Grant current() {
        return grant;
    }

    /** Raft thread: publishes {@code next} (null: none) unless the same grant is published already. */
    public void publish(Grant next) {
        Grant current = grant;
        if (next == null ? current != null : !sameGrant(current, next)) {
            grant = next;
        }
    }

    private static boolean sameGrant(Grant a, Grant b) {
        return a != null
                && a.term() == b.term()
                && a.region() == b.region()
                && a.expiresAtNanos() == b.expiresAtNanos()
                && a.renewFromNanos() == b.renewFromNanos();
    }

    /** Raft thread: no more local reads until the next publication. */
    public void revoke() {
        grant = null;
    }

    /** A read was answered on another thread under a grant. */
    void onRead() {
        reads.increment();
    }

    /** Reads answered under a grant since the peer was created. */
    public long reads() {
        return reads.sum();
    }
}
