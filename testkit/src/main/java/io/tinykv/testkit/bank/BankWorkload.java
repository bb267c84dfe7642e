package io.tinykv.testkit.bank;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnPlan;
import io.tinykv.testkit.txn.TxnSession;
import io.tinykv.testkit.txn.Workload;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Generates bank transactions over a fixed set of accounts: transfers between two random accounts
 * and read-only snapshots of every account. Money is never created or destroyed, so every snapshot
 * must sum to {@link #total()}; transfers abort rather than overdraw. Thread-safe (stateless).
 */
public final class BankWorkload implements Workload {
    /** Commits of the opening balances tried before giving up. */
    /** How long {@link #initialize} keeps trying to commit the initial balances. */
    public static final Duration INITIALIZE_TIMEOUT = Duration.ofMinutes(2);

    /**
     * @param accountCount number of accounts (at least two, to transfer between)
     * @param initialBalance each account's balance after {@link #initialize}
     * @param maxTransferAmount transfers move 1..this much
     * @param snapshotReadProbability chance that a transaction reads every account instead of transferring
     */
    public record Config(
            int accountCount, long initialBalance, long maxTransferAmount, double snapshotReadProbability) {
        public Config {
            if (accountCount < 2) {
                throw new IllegalArgumentException("a bank needs at least two accounts, got " + accountCount);
            }
            if (initialBalance < 0 || maxTransferAmount < 1) {
                throw new IllegalArgumentException("need initialBalance >= 0 and maxTransferAmount >= 1, got "
                        + initialBalance + " and " + maxTransferAmount);
            }
            if (!(snapshotReadProbability >= 0 && snapshotReadProbability <= 1)) {
                throw new IllegalArgumentException(
                        "snapshotReadProbability must be in [0, 1], was " + snapshotReadProbability);
            }
            if (initialBalance > Long.MAX_VALUE / accountCount) {
                throw new IllegalArgumentException(
                        "the total of " + accountCount + " accounts of " + initialBalance + " does not fit in a long");
            }
        }

        /** Five accounts of 100, transfers up to 20, half the transactions snapshot reads. */
        public static Config defaults() {
            return new Config(5, 100, 20, 0.5);
        }
    }

    private final Config config;
    private final List<String> accounts;

    public BankWorkload(Config config) {
        this.config = config;
        List<String> names = new ArrayList<>(config.accountCount());
        for (int i = 0; i < config.accountCount(); i++) {
            names.add("acct-" + i);
        }
        this.accounts = List.copyOf(names);
    }

    public List<String> accounts() {
        return accounts;
    }

    /** The constant sum of all balances. */
    public long total() {
        return config.accountCount() * config.initialBalance();
    }

    /** A checker for histories of this workload (negative balances forbidden). */
    public BankChecker checker() {
        return new BankChecker(accounts, total(), false);
    }

    /**
     * Writes every account's initial balance in one transaction, which must commit. An attempt that
     * failed (or whose outcome is unknown) is tried again until one commits or {@link
     * #INITIALIZE_TIMEOUT} passes: no transfer runs yet, so a second write of the same balances is
     * harmless. A fixed number of quick attempts is not enough: on a loaded machine a region can be
     * without a leader for seconds (an election, a replica still catching up), and every attempt in
     * that window fails.
     */
    public void initialize(TxnExecutor executor) throws TxnFailedException {
        int[] attempts = {0};
        String[] last = {"none"};
        boolean committed = Await.holdsWithin(
                () -> {
                    attempts[0]++;
                    try {
                        TxnSession session = executor.begin();
                        for (String account : accounts) {
                            session.write(account, List.of(config.initialBalance()));
                        }
                        Outcome outcome = session.commit();
                        last[0] = outcome.name();
                        return outcome == Outcome.OK;
                    } catch (TxnFailedException e) {
                        last[0] = e.outcome() + " (" + e.getMessage() + ")";
                        return false;
                    }
                },
                INITIALIZE_TIMEOUT);
        if (!committed) {
            throw new IllegalStateException("initializing the bank's accounts did not commit in " + attempts[0]
                    + " attempts over " + INITIALIZE_TIMEOUT + "; the last ended " + last[0]);
        }
    }

    @Override
    public TxnPlan next(RandomGenerator random) {
        if (random.nextDouble() < config.snapshotReadProbability()) {
            List<MicroOp> reads = new ArrayList<>(accounts.size());
            for (String account : accounts) {
                reads.add(MicroOp.BalanceRead.unknown(account));
            }
            return new TxnPlan(reads, false);
        }
        int from = random.nextInt(accounts.size());
        int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
        long amount = 1 + random.nextLong(config.maxTransferAmount());
        return new TxnPlan(List.of(new MicroOp.Transfer(accounts.get(from), accounts.get(to), amount)), false);
    }
}
