package io.tinykv.raftstore.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rules of {@link LeaderLease}, on clock readings in nanoseconds. */
class LeaderLeaseTest {

    private static final long LEASE_NANOS = 9_000;
    private static final long TERM = 3;
    private static final long CONF_VER = 1;
    private static final long SENT = 10_000;

    /** A lease of {@link #TERM} whose leader applied an entry of the term. */
    private static LeaderLease applied() {
        LeaderLease lease = new LeaderLease(LEASE_NANOS);
        lease.onApplied(TERM, TERM, CONF_VER);
        return lease;
    }

    @Test
    void runsFromTheSendTimeAndExpiresExactlyMaxLeaseLater() {
        LeaderLease lease = applied();
        assertThat(lease.isValid(SENT, TERM, CONF_VER))
                .as("no lease before a round was acknowledged")
                .isFalse();
        lease.renew(SENT, TERM, CONF_VER);
        assertThat(lease.isValid(SENT, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(SENT + LEASE_NANOS - 1, TERM, CONF_VER))
                .as("the last valid nanosecond")
                .isTrue();
        assertThat(lease.isValid(SENT + LEASE_NANOS, TERM, CONF_VER))
                .as("expired at the boundary")
                .isFalse();
        assertThat(lease.remainingNanos(SENT + 2)).isEqualTo(LEASE_NANOS - 2);
        assertThat(lease.remainingNanos(SENT + LEASE_NANOS + 1)).isZero();
    }

    @Test
    void comparesClockReadingsByDifferenceSoAWrappedClockStillExpires() {
        LeaderLease lease = applied();
        long sent = Long.MAX_VALUE - LEASE_NANOS / 2;
        lease.renew(sent, TERM, CONF_VER);
        long expiry = sent + LEASE_NANOS; // wrapped past Long.MAX_VALUE
        assertThat(lease.isValid(Long.MAX_VALUE, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(expiry - 1, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(expiry, TERM, CONF_VER)).isFalse();
    }

    @Test
    void isNotValidUntilTheLeaderAppliedAnEntryOfItsTerm() {
        LeaderLease lease = new LeaderLease(LEASE_NANOS);
        lease.renew(SENT, TERM, CONF_VER);
        assertThat(lease.hasAppliedEntryOf(TERM)).isFalse();
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER))
                .as("nothing of the term applied")
                .isFalse();
        lease.onApplied(TERM - 1, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER))
                .as("only an entry of an earlier term applied")
                .isFalse();
        lease.onApplied(TERM, TERM, CONF_VER);
        assertThat(lease.hasAppliedEntryOf(TERM)).isTrue();
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER)).isTrue();
        assertThat(lease.hasAppliedEntryOf(TERM + 1))
                .as("it is known for one term only")
                .isFalse();
    }

    @Test
    void anOlderRoundNeverShortensTheLease() {
        LeaderLease lease = applied();
        lease.renew(SENT + 5_000, TERM, CONF_VER);
        lease.renew(SENT, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 5_000 + LEASE_NANOS - 1, TERM, CONF_VER))
                .isTrue();
    }

    @Test
    void aTermChangeVoidsTheLeaseAndTheAppliedEntry() {
        LeaderLease lease = applied();
        lease.renew(SENT, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM + 1, CONF_VER))
                .as("another term")
                .isFalse();
        lease.renew(SENT + 2, TERM + 1, CONF_VER);
        assertThat(lease.isValid(SENT + 3, TERM + 1, CONF_VER))
                .as("the new term applied nothing yet")
                .isFalse();
        assertThat(lease.isValid(SENT + 3, TERM, CONF_VER))
                .as("the old term's lease is gone")
                .isFalse();
        lease.onApplied(TERM + 1, TERM + 1, CONF_VER);
        assertThat(lease.isValid(SENT + 3, TERM + 1, CONF_VER)).isTrue();
    }

    @Test
    void aConfChangeVoidsTheLease() {
        LeaderLease lease = applied();
        lease.renew(SENT, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER + 1))
                .as("another configuration")
                .isFalse();
        lease.renew(SENT, TERM, CONF_VER + 1);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER))
                .as("renewing in the new configuration voids the old")
                .isFalse();
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER + 1))
                .as("the term's applied entry still counts")
                .isTrue();
    }

    @Test
    void anAppliedConfChangeVoidsWhatItsProposalsWouldHaveRenewed() {
        LeaderLease lease = applied();
        lease.onProposed(6, SENT, TERM, CONF_VER);
        lease.onCommitted(6, TERM, CONF_VER + 1);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER + 1)).isFalse();
    }

    @Test
    void aCommittedProposalRenewsFromTheTimeItWasProposed() {
        LeaderLease lease = applied();
        lease.onProposed(6, SENT, TERM, CONF_VER);
        lease.onProposed(7, SENT + 1_000, TERM, CONF_VER);
        lease.onProposed(8, SENT + 4_000, TERM, CONF_VER);
        lease.onCommitted(5, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 4_000, TERM, CONF_VER))
                .as("nothing of ours committed yet")
                .isFalse();
        lease.onCommitted(7, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1_000 + LEASE_NANOS - 1, TERM, CONF_VER))
                .isTrue();
        assertThat(lease.isValid(SENT + 1_000 + LEASE_NANOS, TERM, CONF_VER)).isFalse();
        lease.onCommitted(8, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 4_000 + LEASE_NANOS - 1, TERM, CONF_VER))
                .isTrue();
    }

    @Test
    void proposalsOfAnEarlierTermRenewNothing() {
        LeaderLease lease = applied();
        lease.onProposed(6, SENT, TERM, CONF_VER);
        lease.onApplied(TERM + 1, TERM + 1, CONF_VER);
        lease.onCommitted(6, TERM + 1, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM + 1, CONF_VER)).isFalse();
    }

    @Test
    void aLeadershipTransferEndsTheLeaseForTheRestOfTheTerm() {
        LeaderLease lease = applied();
        lease.renew(SENT, TERM, CONF_VER);
        lease.giveUp(TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER)).isFalse();
        lease.renew(SENT + 2, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 3, TERM, CONF_VER))
                .as("no renewal in the same term")
                .isFalse();
        lease.onApplied(TERM + 1, TERM + 1, CONF_VER);
        lease.renew(SENT + 2, TERM + 1, CONF_VER);
        assertThat(lease.isValid(SENT + 3, TERM + 1, CONF_VER))
                .as("a new term may lease again")
                .isTrue();
    }

    @Test
    void expiresWhenTheLeaderStepsDown() {
        LeaderLease lease = applied();
        lease.onProposed(6, SENT, TERM, CONF_VER);
        lease.renew(SENT, TERM, CONF_VER);
        lease.expire();
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER)).isFalse();
        assertThat(lease.remainingNanos(SENT + 1)).isZero();
        lease.onCommitted(6, TERM, CONF_VER);
        assertThat(lease.isValid(SENT + 1, TERM, CONF_VER))
                .as("a proposal made before stepping down renews nothing")
                .isFalse();
    }

    @Test
    void refusesANonPositiveLengthAndOutOfOrderProposals() {
        assertThatThrownBy(() -> new LeaderLease(0)).hasMessageContaining("maxLeaseNanos");
        LeaderLease lease = applied();
        lease.onProposed(6, SENT, TERM, CONF_VER);
        assertThatThrownBy(() -> lease.onProposed(6, SENT + 1, TERM, CONF_VER))
                .isInstanceOf(IllegalStateException.class);
    }
}
