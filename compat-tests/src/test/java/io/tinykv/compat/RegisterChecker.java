package io.tinykv.compat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a history of puts and gets for linearizability, one key at a time (a history is linearizable
 * exactly when each key's sub-history is). For each key it searches for a total order that keeps real
 * time (an operation that returned before another was called comes first) and in which every get
 * returns the latest put before it, or "absent" when there is none. The search is Wing and Gong's
 * (linearize any operation that no pending one must precede, backtrack on a contradiction) with
 * memoization of the states already explored (Lowe): which operations are placed, and the value.
 *
 * <p>Put values must be unique per key. A put of unknown outcome that no get observed is dropped:
 * placing it or not changes nothing any read saw.
 */
final class RegisterChecker {
    private RegisterChecker() {}

    /** Empty when linearizable; otherwise the key and its history. */
    static Optional<String> check(List<RegisterOp> history) {
        Map<String, List<RegisterOp>> byKey = new TreeMap<>();
        for (RegisterOp op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<RegisterOp>> key : byKey.entrySet()) {
            if (!linearizable(key.getValue())) {
                StringBuilder message = new StringBuilder("key " + key.getKey() + " is not linearizable:\n");
                key.getValue().stream().sorted(Comparator.comparingLong(RegisterOp::invokeNanos))
                        .forEach(op -> message.append("  ").append(op).append('\n'));
                return Optional.of(message.toString());
            }
        }
        return Optional.empty();
    }

    /** One key's history, the initial value being "absent". */
    static boolean linearizable(List<RegisterOp> keyHistory) {
        Set<String> observed = new HashSet<>();
        Set<String> written = new HashSet<>();
        for (RegisterOp op : keyHistory) {
            if (op.write() && !written.add(op.value())) {
                throw new IllegalArgumentException("put values must be unique per key, " + op.value() + " repeats");
            }
            if (!op.write() && op.value() != null) {
                observed.add(op.value());
            }
        }
        List<RegisterOp> ops = keyHistory.stream()
                .filter(op -> op.known() || observed.contains(op.value()))
                .sorted(Comparator.comparingLong(RegisterOp::invokeNanos))
                .toList();
        return new Search(ops).run();
    }

    /** The depth-first search over one key's operations, sorted by invocation. */
    private static final class Search {
        private record State(BitSet placed, String value) {}

        private final List<RegisterOp> ops;
        private final Set<State> explored = new HashSet<>();

        Search(List<RegisterOp> ops) {
            this.ops = ops;
        }

        boolean run() {
            return extend(new BitSet(ops.size()), null);
        }

        private boolean extend(BitSet placed, String value) {
            if (placed.cardinality() == ops.size()) {
                return true;
            }
            if (!explored.add(new State((BitSet) placed.clone(), value))) {
                return false;
            }
            // An operation may go next only if no pending operation returned before it was called.
            long firstReturn = Long.MAX_VALUE;
            for (int i = placed.nextClearBit(0); i < ops.size(); i = placed.nextClearBit(i + 1)) {
                firstReturn = Math.min(firstReturn, ops.get(i).completeNanos());
            }
            for (int i = placed.nextClearBit(0); i < ops.size(); i = placed.nextClearBit(i + 1)) {
                RegisterOp op = ops.get(i);
                if (op.invokeNanos() > firstReturn) {
                    break; // sorted by invocation: every later one was called after that return too
                }
                if (!op.write() && !Objects.equals(op.value(), value)) {
                    continue;
                }
                placed.set(i);
                boolean found = extend(placed, op.write() ? op.value() : value);
                placed.clear(i);
                if (found) {
                    return true;
                }
            }
            return false;
        }
    }
}
