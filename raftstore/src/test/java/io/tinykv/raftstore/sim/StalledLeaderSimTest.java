package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.read.ReadStats;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The stall fault: the leader's whole process stops (SIGSTOP, a long GC pause, a blocked disk)
 * for longer than an election timeout while the others elect a new leader and commit a write. A
 * client then reads from the old leader; on resume the read reaches it before the new term's
 * messages, while it still believes it leads. Its lease, measured in real time, must have run out:
 * the read must not be answered from its stale state.
 *
 * <p>{@code -Dtinykv.sim.seeds=N} runs N seeds from {@code tinykv.sim.firstSeed} (a failing seed
 * is printed and replays exactly); odd seeds run five stores, even ones three.
 */
class StalledLeaderSimTest {

    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 61);
    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 4);
    private static final long TIMEOUT_MS = 20_000;
    private static final String KEY = "k";
    /** How many writes the new leader is given to get one acknowledged during the stall. */
    private static final int MAX_WRITE_ATTEMPTS = 20;
    /** Virtual ms the writer of the concurrent test waits between an answer and its next write. */
    private static final long CLIENT_INTERVAL_MS = 2;
    /** Clients reading at the stalled leader in the concurrent test. */
    private static final int READERS = 6;
    /** The longest stall of the concurrent test, in election timeouts. */
    private static final int MAX_STALL_ELECTION_TIMEOUTS = 3;

    @Test
    void aLeaderStalledPastTheElectionTimeoutAnswersNoStaleReadOnResume() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            run(seed);
        }
    }

    /**
     * Stalls of any length, from a fraction of the lease to several election timeouts, while
     * clients keep reading at the stalled leader and one keeps writing at whichever store leads;
     * the stores tick at their own phases. Short stalls leave the lease valid on resume and reads
     * are answered from it; long ones must not be. Either way the history is linearizable.
     *
     * <p>Every client waits for its answer, or gives up on it after a timeout, before it sends again
     * (at most one operation each in flight), as real clients do: it keeps the linearizability check
     * small even when it fails. The readers think for a random while between reads, so that reads
     * reach the stalled store at any point of the stall, before and after the new leader's writes. The shortest stalls (half an
     * election timeout) end while the lease still holds.
     */
    @Test
    void stallsOfAnyLengthUnderConcurrentClientsNeverYieldAStaleRead() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            runConcurrent(seed);
        }
    }

    private void runConcurrent(long seed) {
        RaftstoreConfig config = SimCluster.defaultConfig();
        int storeCount = seed % 2 == 0 ? 3 : 5;
        long electionMs = config.electionTicks() * config.tickIntervalMs();
        // Every reader sends within a think time, and no stall is shorter: each stall holds reads.
        long thinkMs = electionMs / 2;
        long readTimeoutMs = electionMs / 2;
        try (SimCluster cluster = new SimCluster(storeCount, seed, config)) {
            Random random = new Random(cluster.random().nextLong());
            cluster.staggerTicks();
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            History history = new History();
            History.Op first = history.invokePut(0, KEY, "v0");
            commands.onLeader(SimCommands.put(KEY, "v0"), TIMEOUT_MS);
            history.succeed(first, null);
            long oldLeader = cluster.leaderStore();
            String context = "seed " + seed;

            boolean[] running = {true};
            int[] nextValue = {1};
            Runnable[] writer = new Runnable[1];
            writer[0] = () -> {
                if (!running[0]) {
                    return;
                }
                long leader = cluster.leaderStore();
                if (leader == 0 || cluster.store(leader).isStalled()) {
                    cluster.loop().schedule(CLIENT_INTERVAL_MS, writer[0]);
                    return;
                }
                History.Op op = history.invokePut(0, KEY, "v" + nextValue[0]++);
                cluster.store(leader)
                        .propose(commands.request(leader, SimCommands.put(KEY, op.value)), new Callback(result -> {
                            if (result.isError()) {
                                history.fail(op);
                            } else {
                                history.succeed(op, null);
                            }
                            cluster.loop().schedule(CLIENT_INTERVAL_MS, writer[0]);
                        }));
            };
            for (int client = 1; client <= READERS; client++) {
                int id = client;
                Runnable[] reader = new Runnable[1];
                reader[0] = () -> {
                    if (!running[0]) {
                        return;
                    }
                    History.Op op = history.invokeGet(id, KEY);
                    // The answer or the client's timeout, whichever comes first, ends the read; a
                    // client that gave up never sees the late answer.
                    boolean[] over = {false};
                    cluster.store(oldLeader)
                            .propose(commands.request(oldLeader, SimCommands.get(KEY)), new Callback(result -> {
                                if (over[0]) {
                                    return;
                                }
                                over[0] = true;
                                if (result.isError()) {
                                    history.fail(op);
                                } else {
                                    history.succeed(op, SimCommands.valueOf(result));
                                }
                                cluster.loop().schedule(random.nextLong(thinkMs), reader[0]);
                            }));
                    cluster.loop().schedule(readTimeoutMs, () -> {
                        if (!over[0]) {
                            over[0] = true;
                            history.fail(op);
                            cluster.loop().schedule(random.nextLong(thinkMs), reader[0]);
                        }
                    });
                };
                cluster.loop().schedule(random.nextLong(thinkMs), reader[0]);
            }
            writer[0].run();
            cluster.loop().runFor(electionMs + random.nextLong(electionMs));

            long stallMs = thinkMs + random.nextLong(MAX_STALL_ELECTION_TIMEOUTS * electionMs);
            ReadStats beforeStall = readStats(cluster, oldLeader);
            cluster.stall(oldLeader);
            cluster.loop().runFor(stallMs);
            SimStore stalled = cluster.store(oldLeader);
            assertThat(stalled.isStalled()).isTrue();
            int held = stalled.heldCommands();
            cluster.resume(oldLeader);
            cluster.loop().runFor(2 * electionMs);
            running[0] = false;
            cluster.loop().runFor(electionMs);

            RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
            assertThat(verdict.ok())
                    .as(context + " (stalled " + stallMs + " ms): " + verdict.message() + "; "
                            + cluster.describeStores())
                    .isTrue();
            assertThat(beforeStall.leaseReads())
                    .as(context + ": the leader read by lease before the stall")
                    .isPositive();
            assertThat(held)
                    .as(context + ": reads waited in the stalled store's inbox (stalled %d ms)", stallMs)
                    .isPositive();
        }
    }

    private void run(long seed) {
        RaftstoreConfig config = SimCluster.defaultConfig();
        int storeCount = seed % 2 == 0 ? 3 : 5;
        long electionMs = config.electionTicks() * config.tickIntervalMs();
        try (SimCluster cluster = new SimCluster(storeCount, seed, config)) {
            Random random = new Random(cluster.random().nextLong());
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            History history = new History();

            History.Op first = history.invokePut(0, KEY, "v0");
            commands.onLeader(SimCommands.put(KEY, "v0"), TIMEOUT_MS);
            history.succeed(first, null);
            long oldLeader = cluster.leaderStore();
            long oldTerm = cluster.store(oldLeader)
                    .raftStore()
                    .regionStatus(SimCluster.REGION_ID)
                    .term();
            String context = "seed " + seed;

            // The old leader answers reads by lease right before it stalls: the fault is one a
            // lease must survive, not one a ReadIndex round would catch anyway.
            ReadStats beforeRead = readStats(cluster, oldLeader);
            History.Op leaseRead = history.invokeGet(0, KEY);
            CmdResult read = commands.call(oldLeader, commands.request(oldLeader, SimCommands.get(KEY)), TIMEOUT_MS);
            assertThat(read).as(context + ": a read at the leader").isNotNull();
            assertThat(read.isError()).as(context + ": %s", read).isFalse();
            history.succeed(leaseRead, SimCommands.valueOf(read));
            assertThat(readStats(cluster, oldLeader).leaseReads())
                    .as(context + ": the leader reads by lease")
                    .isEqualTo(beforeRead.leaseReads() + 1);

            cluster.loop().runFor(random.nextInt((int) config.tickIntervalMs()));
            long stalledAtMs = cluster.loop().nowMs();
            cluster.stall(oldLeader);

            // The others elect a new leader and commit a write with it while the old one sleeps.
            cluster.loop().runUntil(() -> cluster.leaderStore() != oldLeader && cluster.leaderStore() != 0, TIMEOUT_MS);
            long newLeader = cluster.leaderStore();
            assertThat(newLeader)
                    .as(context + ": a new leader while store %d is stalled", oldLeader)
                    .isNotIn(0L, oldLeader);
            boolean written = false;
            for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS && !written; attempt++) {
                long leader = cluster.leaderStore();
                History.Op put = history.invokePut(1, KEY, "v" + (attempt + 1));
                CmdResult result = commands.call(
                        leader,
                        commands.request(leader, SimCommands.put(KEY, put.value)),
                        SimCommands.ATTEMPT_TIMEOUT_MS);
                if (result != null && !result.isError()) {
                    history.succeed(put, null);
                    written = true;
                } else {
                    history.fail(put);
                }
            }
            assertThat(written)
                    .as(context + ": the new leader acknowledged a write")
                    .isTrue();

            // Then a client reads from the old leader: the read waits in its inbox.
            History.Op staleCandidate = history.invokeGet(2, KEY);
            AtomicReference<CmdResult> answer = new AtomicReference<>();
            cluster.store(oldLeader)
                    .propose(commands.request(oldLeader, SimCommands.get(KEY)), new Callback(answer::set));
            cluster.loop().runFor(random.nextLong(electionMs + 1));

            // The fault really happened: still stalled, the old leader believes it leads in its old
            // term, and the new term's messages wait behind the read.
            SimStore stalled = cluster.store(oldLeader);
            assertThat(stalled.isStalled()).isTrue();
            assertThat(cluster.loop().nowMs() - stalledAtMs)
                    .as(context + ": stalled past the election timeout")
                    .isGreaterThan(electionMs);
            RaftStore.RegionStatus status = stalled.raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(status.leader())
                    .as(context + ": the stalled store still believes it leads")
                    .isTrue();
            assertThat(status.term()).isEqualTo(oldTerm);
            assertThat(stalled.heldCommands()).isEqualTo(1);
            List<RaftMessage> held = stalled.heldRaftMessages();
            assertThat(held)
                    .as(context + ": the new term's messages wait in the stalled store's inbox")
                    .anyMatch(m -> m.getMessage().getTerm() > oldTerm);
            ReadStats beforeResume = readStats(cluster, oldLeader);

            cluster.resume(oldLeader);
            assertThat(cluster.loop().runUntil(() -> answer.get() != null, TIMEOUT_MS))
                    .as(context + ": the read was answered")
                    .isTrue();
            CmdResult result = answer.get();
            if (result.isError()) {
                history.fail(staleCandidate);
            } else {
                history.succeed(staleCandidate, SimCommands.valueOf(result));
            }
            RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
            assertThat(verdict.ok())
                    .as(context + ": " + verdict.message() + "; " + cluster.describeStores())
                    .isTrue();
            assertThat(readStats(cluster, oldLeader).leaseReads())
                    .as(context + ": the resumed leader answered nothing by lease: %s", result)
                    .isEqualTo(beforeResume.leaseReads());
        }
    }

    private static ReadStats readStats(SimCluster cluster, long storeId) {
        return cluster.store(storeId).raftStore().readStats(SimCluster.REGION_ID);
    }
}
