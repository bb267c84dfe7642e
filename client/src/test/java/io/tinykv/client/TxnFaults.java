package io.tinykv.client;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Transport failures a test arranges for the transactional stores: after a request has been
 * EXECUTED, its RPC fails anyway (the client cannot tell whether it took effect), e.g. a commit whose
 * response is lost. Also counts the requests executed per method. Thread-safe.
 */
public final class TxnFaults {
  private record Rule(String method, ByteString key, Status status, int[] remaining) {}

  /** Every {@code n}-th executed request of {@code method} fails with {@code status}. */
  private record Periodic(String method, int n, Status status) {}

  private final List<Rule> rules = new ArrayList<>();
  private final List<Periodic> periodic = new ArrayList<>();
  private final Map<String, Integer> executed = new HashMap<>();

  /**
   * The next {@code times} executed requests of {@code method} (e.g. "KvCommit") touching {@code key}
   * fail with {@code status} after taking effect; {@code times} {@link Integer#MAX_VALUE} = always.
   */
  synchronized void failAfterExecuting(String method, ByteString key, Status status, int times) {
    rules.add(new Rule(method, key, status, new int[] {times}));
  }

  /** Every {@code n}-th executed request of {@code method}, whatever its keys, fails with {@code status}. */
  public synchronized void failAfterExecutingEvery(String method, int n, Status status) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be > 0, got " + n);
    }
    periodic.add(new Periodic(method, n, status));
  }

  synchronized void clear() {
    rules.clear();
    periodic.clear();
  }

  /** Called by the store after executing a request: the status to fail the RPC with, or null. */
  synchronized Status afterExecuting(String method, List<ByteString> keys) {
    int count = executed.merge(method, 1, Integer::sum);
    for (Periodic p : periodic) {
      if (p.method().equals(method) && count % p.n() == 0) {
        return p.status();
      }
    }
    for (Rule rule : rules) {
      if (rule.method().equals(method) && keys.contains(rule.key()) && rule.remaining()[0] > 0) {
        if (rule.remaining()[0] != Integer.MAX_VALUE) {
          rule.remaining()[0]--;
        }
        return rule.status();
      }
    }
    return null;
  }

  /** How many requests of {@code method} the stores executed. */
  public synchronized int executed(String method) {
    return executed.getOrDefault(method, 0);
  }
}
