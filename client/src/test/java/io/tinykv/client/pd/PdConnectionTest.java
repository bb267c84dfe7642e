package io.tinykv.client.pd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.client.BackoffSchedule;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.FakePd;
import io.tinykv.client.PdException;
import io.tinykv.proto.Pdpb;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared connection's waiting and trying once, as the store uses them, on virtual time. */
class PdConnectionTest {
    private static final long TIMEOUT_MS = 1_000;
    private static final BackoffSchedule SCHEDULE = new BackoffSchedule(50, 3_000);

    private final FakeCluster cluster = FakeCluster.threeRegions();
    private FakeEnv env;
    private PdConnection connection;

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void anUnboundedConnectWaitsForTheMembersToElectALeaderAndFollowsIt() {
        env = new FakeEnv(cluster, 2);
        String follower = env.pdAddresses().get(0);
        String leader = env.pdAddresses().get(1);
        env.makePdLeader(null);
        int sleepsBeforeElected = 3;
        // Virtual time whose third wait ends the election: connect must have waited that long.
        FakeClock clock = new FakeClock();
        clock.afterEverySleep(() -> {
            if (clock.sleeps() == sleepsBeforeElected) {
                env.makePdLeader(leader);
            }
        });

        connection = PdConnection.connect(
                new PdConnection.Settings(List.of(follower), TIMEOUT_MS, SCHEDULE),
                env.channelFactory(),
                clock,
                PdConnection.UNBOUNDED_BUDGET_MS);

        assertThat(clock.sleeps()).isEqualTo(sleepsBeforeElected);
        // Doubling from the schedule's first wait: 50 + 100 + 200.
        assertThat(clock.nowMillis()).isEqualTo(350);
        // Only the follower was configured; the leader was learnt from its member list.
        assertThat(connection.leaderAddress()).isEqualTo(leader);
        assertThat(connection.clusterId()).isEqualTo(FakePd.CLUSTER_ID);
    }

    @Test
    void aBudgetOfZeroTriesOnceAndNeverWaits() {
        env = new FakeEnv(cluster);
        FakeClock clock = new FakeClock();
        connection = PdConnection.connect(
                new PdConnection.Settings(env.pdAddresses(), TIMEOUT_MS, SCHEDULE), env.channelFactory(), clock, 0);
        PdClient once = PdClient.over(connection, 0);
        assertThat(once.getStore(1).getId()).isEqualTo(1);
        env.stop(env.pdAddresses().get(0));

        assertThatThrownBy(() -> once.getStore(1))
                .isInstanceOf(PdException.class)
                .hasMessageContaining("cannot reach PD at " + env.pdAddresses().get(0))
                .hasMessageContaining("backoff budget 0 ms");
        assertThat(clock.sleeps()).isZero();
    }

    @Test
    void anErrorInTheHeaderIsAnAnswerWithItsType() {
        env = new FakeEnv(cluster);
        connection = PdConnection.connect(
                new PdConnection.Settings(env.pdAddresses(), TIMEOUT_MS, SCHEDULE),
                env.channelFactory(),
                new FakeClock(),
                0);
        PdClient pd = PdClient.over(connection, PdConnection.UNBOUNDED_BUDGET_MS);

        // An unknown store is PD's answer, not a failure to wait out.
        assertThatThrownBy(() -> pd.getStore(404))
                .isInstanceOf(PdException.class)
                .extracting(e -> ((PdException) e).errorType())
                .isEqualTo(Pdpb.ErrorType.UNKNOWN);
        assertThat(pd.getRegionById(404)).isEmpty();
    }
}
