package io.tinykv.testkit.bank;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnPlan;
import io.tinykv.testkit.txn.TxnSession;
import io.tinykv.testkit.txn.Workload;
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
  private static final int INITIALIZE_ATTEMPTS = 5;

  /**
   * @param accountCount number of accounts (at least two, to transfer between)
   * @param initialBalance each account's balance after {@link #initialize}
   * @param maxTransferAmount transfers move 1..this much
   * @param snapshotReadProbability chance that a transaction reads every account instead of transferring
   */
  public record Config(int accountCount, long initialBalance, long maxTransferAmount,
      double snapshotReadProbability) {
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
        throw new IllegalArgumentException("the total of " + accountCount + " accounts of "
            + initialBalance + " does not fit in a long");
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
   * failed (or whose outcome is unknown) is tried again: no transfer runs yet, so a second write of
   * the same balances is harmless, and on a loaded machine a first commit can time out.
   */
  public void initialize(TxnExecutor executor) throws TxnFailedException {
    Outcome outcome = null;
    for (int attempt = 0; attempt < INITIALIZE_ATTEMPTS && outcome != Outcome.OK; attempt++) {
      TxnSession session = executor.begin();
      for (String account : accounts) {
        session.write(account, List.of(config.initialBalance()));
      }
      outcome = session.commit();
    }
    if (outcome != Outcome.OK) {
      throw new IllegalStateException("initializing the bank's accounts ended " + outcome + " "
          + INITIALIZE_ATTEMPTS + " times");
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
