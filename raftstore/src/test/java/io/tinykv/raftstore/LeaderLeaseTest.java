package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LeaderLeaseTest {

    private static final long LEASE = 9;
    private static final long TERM = 3;
    private static final long CONF_VER = 1;

    @Test
    void runsFromTheSendTickForMaxLeaseTicks() {
        LeaderLease lease = new LeaderLease(LEASE);
        assertThat(lease.isValid(0, TERM, CONF_VER)).as("no lease before a round was acknowledged").isFalse();
        lease.renew(10, TERM, CONF_VER);
        assertThat(lease.isValid(10, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(10 + LEASE - 1, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(10 + LEASE, TERM, CONF_VER)).as("expired after maxLeaseTicks").isFalse();
        assertThat(lease.remainingTicks(12)).isEqualTo(LEASE - 2);
    }

    @Test
    void anOlderRoundNeverShortensTheLease() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.renew(20, TERM, CONF_VER);
        lease.renew(15, TERM, CONF_VER);
        assertThat(lease.isValid(20 + LEASE - 1, TERM, CONF_VER)).isTrue();
    }

    @Test
    void belongsToOneTermAndOneConfiguration() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.renew(10, TERM, CONF_VER);
        assertThat(lease.isValid(11, TERM + 1, CONF_VER)).as("another term").isFalse();
        assertThat(lease.isValid(11, TERM, CONF_VER + 1)).as("another configuration").isFalse();
        lease.renew(10, TERM, CONF_VER + 1);
        assertThat(lease.isValid(11, TERM, CONF_VER)).as("renewing in the new configuration voids the old")
                .isFalse();
        assertThat(lease.isValid(11, TERM, CONF_VER + 1)).isTrue();
    }

    @Test
    void aCommittedProposalRenewsFromTheTickItWasProposedAt() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.onProposed(6, 10, TERM, CONF_VER);
        lease.onProposed(7, 10, TERM, CONF_VER);
        lease.onProposed(8, 14, TERM, CONF_VER);
        lease.onCommitted(5, TERM, CONF_VER);
        assertThat(lease.isValid(14, TERM, CONF_VER)).as("nothing of ours committed yet").isFalse();
        lease.onCommitted(7, TERM, CONF_VER);
        assertThat(lease.isValid(10 + LEASE - 1, TERM, CONF_VER)).isTrue();
        assertThat(lease.isValid(10 + LEASE, TERM, CONF_VER)).isFalse();
        lease.onCommitted(8, TERM, CONF_VER);
        assertThat(lease.isValid(14 + LEASE - 1, TERM, CONF_VER)).isTrue();
    }

    @Test
    void proposalsOfAnEarlierTermRenewNothing() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.onProposed(6, 10, TERM, CONF_VER);
        lease.onCommitted(6, TERM + 1, CONF_VER);
        assertThat(lease.isValid(11, TERM + 1, CONF_VER)).isFalse();
    }

    @Test
    void aLeadershipTransferEndsTheLeaseForTheRestOfTheTerm() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.renew(10, TERM, CONF_VER);
        lease.giveUp(TERM, CONF_VER);
        assertThat(lease.isValid(11, TERM, CONF_VER)).isFalse();
        lease.renew(12, TERM, CONF_VER);
        assertThat(lease.isValid(13, TERM, CONF_VER)).as("no renewal in the same term").isFalse();
        lease.renew(12, TERM + 1, CONF_VER);
        assertThat(lease.isValid(13, TERM + 1, CONF_VER)).as("a new term may lease again").isTrue();
    }

    @Test
    void expiresWhenTheLeaderStepsDown() {
        LeaderLease lease = new LeaderLease(LEASE);
        lease.renew(10, TERM, CONF_VER);
        lease.expire();
        assertThat(lease.isValid(11, TERM, CONF_VER)).isFalse();
        assertThat(lease.remainingTicks(11)).isZero();
    }

    @Test
    void refusesANonPositiveLengthAndOutOfOrderProposals() {
        assertThatThrownBy(() -> new LeaderLease(0)).hasMessageContaining("maxLeaseTicks");
        LeaderLease lease = new LeaderLease(LEASE);
        lease.onProposed(6, 10, TERM, CONF_VER);
        assertThatThrownBy(() -> lease.onProposed(6, 11, TERM, CONF_VER)).isInstanceOf(IllegalStateException.class);
    }
}
