package io.tinykv.raftstore.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Linearizability of a history of puts and gets, key by key (linearizability is compositional),
 * by Wing and Gong's search with Lowe's memoization: find an order of the operations that respects
 * real time (an operation that completed before another was invoked comes first) in which every
 * get reads the latest put. Puts of unknown outcome may be placed anywhere after their invocation
 * or left out.
 *
 * <p>Put values are unique, so an unknown put that no get observed can always be left out (no get
 * could have seen it); dropping those keeps the search small.
 */
public final class RegisterChecker {

    /** The verdict: {@code ok}, or a message naming the key and its history. */
    public record Result(boolean ok, String message) {}

    private RegisterChecker() {}

    public static Result check(List<History.Op> history) {
        Map<String, List<History.Op>> byKey = new TreeMap<>();
        for (History.Op op : history) {
            if (op.kind == History.Kind.GET && !op.isKnown()) {
                continue; // a failed read tells nothing
            }
            byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<History.Op>> e : byKey.entrySet()) {
            Result r = checkKey(e.getKey(), e.getValue());
            if (!r.ok()) {
                return r;
            }
        }
        return new Result(true, "linearizable: " + byKey.size() + " keys");
    }

    static Result checkKey(String key, List<History.Op> all) {
        Set<String> observed = new HashSet<>();
        for (History.Op op : all) {
            if (op.kind == History.Kind.GET && op.value != null) {
                observed.add(op.value);
            }
        }
        List<History.Op> ops = new ArrayList<>();
        Set<String> written = new HashSet<>();
        for (History.Op op : all) {
            if (op.kind == History.Kind.PUT) {
                written.add(op.value);
                if (!op.isKnown() && !observed.contains(op.value)) {
                    continue;
                }
            }
            ops.add(op);
        }
        for (String value : observed) {
            if (!written.contains(value)) {
                return new Result(false, "key " + key + ": a get read " + value + ", which nobody wrote");
            }
        }
        Search search = new Search(ops);
        if (search.run(new BitSet(ops.size()), null)) {
            return new Result(true, "key " + key + " linearizable");
        }
        StringBuilder message = new StringBuilder("key " + key + " is not linearizable; its history:");
        ops.stream().sorted((a, b) -> Long.compare(a.invokeSeq, b.invokeSeq))
                .forEach(op -> message.append("\n  ").append(op));
        return new Result(false, message.toString());
    }

    /** The depth-first search over partial linearizations, with a memo of visited (set, state). */
    private static final class Search {
        private final List<History.Op> ops;
        private final BitSet required = new BitSet();
        private final Set<Object> visited = new HashSet<>();

        Search(List<History.Op> ops) {
            this.ops = ops;
            for (int i = 0; i < ops.size(); i++) {
                if (ops.get(i).isKnown()) {
                    required.set(i);
                }
            }
        }

        boolean run(BitSet done, String state) {
            BitSet missing = (BitSet) required.clone();
            missing.andNot(done);
            if (missing.isEmpty()) {
                return true;
            }
            if (!visited.add(List.of(done.clone(), Objects.requireNonNullElse(state, "\u0000none")))) {
                return false;
            }
            long minComplete = Long.MAX_VALUE;
            for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
                minComplete = Math.min(minComplete, ops.get(i).completeSeq);
            }
            for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
                History.Op op = ops.get(i);
                if (op.invokeSeq > minComplete) {
                    continue; // some other operation must come first: it completed before this began
                }
                String next = state;
                if (op.kind == History.Kind.GET) {
                    if (!Objects.equals(op.value, state)) {
                        continue;
                    }
                } else {
                    next = op.value;
                }
                done.set(i);
                boolean found = run(done, next);
                done.clear(i);
                if (found) {
                    return true;
                }
            }
            return false;
        }
    }
}
