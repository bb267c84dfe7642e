package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one {@link TxnPlan} against a {@link TxnExecutor} a step at a time (begin, each micro-op,
 * then commit or abort), so that a single thread can interleave many transactions
 * deterministically, or a worker thread can simply call {@link #runToEnd}. Not thread-safe.
 *
 * <p>Micro-op semantics: {@code Append} appends; {@code Read} reads the list; {@code BalanceRead}
 * reads a one-element list; {@code Transfer} reads both balances (recorded as two BalanceReads
 * before it) and aborts the transaction if the source holds less than the amount.
 */
public final class TxnRun {

    private final TxnExecutor executor;
    private final TxnPlan plan;
    private final List<MicroOp> completed = new ArrayList<>();
    private TxnSession session;
    private int nextOp;
    private Outcome outcome;

    public TxnRun(TxnExecutor executor, TxnPlan plan) {
        this.executor = executor;
        this.plan = plan;
    }

    public boolean finished() {
        return outcome != null;
    }

    /** Performs the next step. */
    public void step() {
        if (finished()) {
            throw new IllegalStateException("transaction already finished with " + outcome);
        }
        int stepOp = nextOp;
        try {
            if (session == null) {
                session = executor.begin();
            } else if (nextOp < plan.ops().size()) {
                nextOp++;
                execute(plan.ops().get(stepOp));
            } else if (plan.abortAtEnd()) {
                session.abort();
                outcome = Outcome.FAIL;
            } else {
                outcome = session.commit();
            }
        } catch (TxnFailedException e) {
            if (session != null) {
                session.abort();
            }
            // Record what was planned but not executed: a failed or unknown transaction's appends are
            // still appends whose visibility the checker must judge.
            completed.addAll(plan.ops().subList(stepOp, plan.ops().size()));
            outcome = e.outcome();
        }
    }

    public void runToEnd() {
        while (!finished()) {
            step();
        }
    }

    public Outcome outcome() {
        requireFinished();
        return outcome;
    }

    /** The micro-ops as executed, with read results; for the history's completion event. */
    public List<MicroOp> completedOps() {
        requireFinished();
        return List.copyOf(completed);
    }

    private void requireFinished() {
        if (!finished()) {
            throw new IllegalStateException("transaction still running");
        }
    }

    private void execute(MicroOp op) throws TxnFailedException {
        switch (op) {
            case MicroOp.Append a -> {
                session.append(a.key(), a.value());
                completed.add(a);
            }
            case MicroOp.Read r -> completed.add(new MicroOp.Read(r.key(), session.read(r.key())));
            case MicroOp.BalanceRead b -> completed.add(new MicroOp.BalanceRead(b.key(), balance(b.key())));
            case MicroOp.Transfer t -> transfer(t);
        }
    }

    private void transfer(MicroOp.Transfer t) throws TxnFailedException {
        long from = balance(t.from());
        long to = balance(t.to());
        completed.add(new MicroOp.BalanceRead(t.from(), from));
        completed.add(new MicroOp.BalanceRead(t.to(), to));
        if (from < t.amount()) {
            throw new TxnFailedException(
                    Outcome.FAIL,
                    "insufficient funds: " + t.from() + " holds " + from + ", transfer needs " + t.amount());
        }
        session.write(t.from(), List.of(from - t.amount()));
        session.write(t.to(), List.of(to + t.amount()));
        completed.add(t);
    }

    private long balance(String account) throws TxnFailedException {
        List<Long> value = session.read(account);
        if (value.size() != 1) {
            throw new IllegalStateException("account " + account + " holds " + MicroOp.formatList(value)
                    + ", expected one balance; was the bank initialized?");
        }
        return value.getFirst();
    }
}
