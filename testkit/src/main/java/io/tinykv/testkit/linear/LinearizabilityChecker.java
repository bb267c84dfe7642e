package io.tinykv.testkit.linear;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Linearizability of a history of puts and gets on key-value registers, key by key (linearizability
 * is compositional, so each key's sub-history is checked alone), by Wing and Gong's search with
 * Lowe's memoization: find an order of the operations that respects real time (an operation that
 * completed before another was invoked comes first) in which every get reads the latest put.
 *
 * <p>Indeterminate operations: a put of unknown outcome may take effect at any point after its
 * invocation, or never; a get of unknown outcome tells nothing and is ignored. Put values must be
 * unique per key, so an unknown put that no get observed can always be left out (no get could have
 * seen it) — dropping those keeps the search small.
 *
 * <p>A violation is reported with a minimal counterexample: the failing key's operations, shrunk
 * one by one while the rest stays non-linearizable, so the message shows only what matters.
 */
public final class LinearizabilityChecker {

    /** Key histories longer than this are reported whole instead of shrunk (shrinking re-runs the search). */
    static final int MAX_OPS_TO_SHRINK = 400;

    /**
     * The verdict.
     *
     * @param ok whether the history is linearizable
     * @param message what was checked, or the failing key and its counterexample
     * @param counterexample the minimal failing operations (empty when ok)
     */
    public record Result(boolean ok, String message, List<RegisterOp> counterexample) {
        public Result {
            counterexample = List.copyOf(counterexample);
        }
    }

    private LinearizabilityChecker() {}

    public static Result check(List<RegisterOp> history) {
        Map<String, List<RegisterOp>> byKey = new TreeMap<>();
        Set<Integer> ids = new HashSet<>();
        for (RegisterOp op : history) {
            if (!ids.add(op.id())) {
                throw new IllegalArgumentException("operation id " + op.id() + " appears twice in the history");
            }
            if (op.kind() == RegisterOp.Kind.GET && !op.isKnown()) {
                continue;
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<RegisterOp>> e : byKey.entrySet()) {
            Result r = checkKey(e.getKey(), e.getValue());
            if (!r.ok()) {
                return r;
            }
        }
        return new Result(
                true, "linearizable: " + history.size() + " operations on " + byKey.size() + " keys", List.of());
    }

    static Result checkKey(String key, List<RegisterOp> all) {
        String problem = violation(all);
        if (problem == null) {
            return new Result(true, "key " + key + " linearizable", List.of());
        }
        List<RegisterOp> minimal = all.size() <= MAX_OPS_TO_SHRINK ? shrink(all) : all;
        StringBuilder message = new StringBuilder("key " + key + " is not linearizable (" + problem + "); ")
                .append(
                        minimal.size() < all.size()
                                ? "a minimal counterexample, " + minimal.size() + " of its " + all.size()
                                        + " operations:"
                                : "its " + all.size() + " operations:");
        minimal.stream()
                .sorted(Comparator.comparingLong(RegisterOp::invokeTime))
                .forEach(op -> message.append("\n  ").append(op));
        return new Result(false, message.toString(), minimal);
    }

    /**
     * Drops operations one at a time while what is left is still not linearizable. A put whose
     * value a remaining get read stays, so the counterexample never degenerates into "a get read a
     * value nobody wrote" — unless that was the violation to begin with.
     */
    private static List<RegisterOp> shrink(List<RegisterOp> failing) {
        List<RegisterOp> current = new ArrayList<>(failing);
        for (int i = current.size() - 1; i >= 0; i--) {
            RegisterOp candidate = current.get(i);
            if (candidate.kind() == RegisterOp.Kind.PUT
                    && current.stream()
                            .anyMatch(op -> op.kind() == RegisterOp.Kind.GET
                                    && candidate.value().equals(op.value()))) {
                continue;
            }
            List<RegisterOp> without = new ArrayList<>(current);
            without.remove(i);
            if (violation(without) != null) {
                current = without;
            }
        }
        return current;
    }

    /** Why one key's operations are not linearizable, or null when they are. */
    private static String violation(List<RegisterOp> all) {
        Set<String> observed = new HashSet<>();
        for (RegisterOp op : all) {
            if (op.kind() == RegisterOp.Kind.GET && op.value() != null) {
                observed.add(op.value());
            }
        }
        List<RegisterOp> ops = new ArrayList<>();
        Set<String> written = new HashSet<>();
        for (RegisterOp op : all) {
            if (op.kind() == RegisterOp.Kind.PUT) {
                if (!written.add(op.value())) {
                    throw new IllegalArgumentException("value " + op.value() + " is put twice on key " + op.key()
                            + "; the checker needs unique put values");
                }
                if (!op.isKnown() && !observed.contains(op.value())) {
                    continue;
                }
            }
            ops.add(op);
        }
        for (String value : observed) {
            if (!written.contains(value)) {
                return "a get read " + value + ", which no put wrote";
            }
        }
        // A put that may repeat gets an echo: the same write once more, optional, within its interval.
        List<Candidate> candidates = new ArrayList<>();
        for (RegisterOp op : ops) {
            candidates.add(new Candidate(op, false));
            if (op.mayRepeat()) {
                candidates.add(new Candidate(op, true));
            }
        }
        return new Search(candidates).run() ? null : "no order of its operations explains the reads";
    }

    /** An operation to place in the order; an echo is the optional second effect of a put that may repeat. */
    private record Candidate(RegisterOp op, boolean echo) {}

    /**
     * The depth-first search over partial linearizations, with a memo of visited (set, state) pairs.
     * Iterative, with a stack of its own: a history of thousands of operations on one key (minutes of
     * a register workload) is a search thousands of levels deep, too deep for a thread's stack.
     */
    private static final class Search {
        private static final String ABSENT = "\u0000absent";
        /** The operations in order of invocation, so a scan for candidates stops at the first too late. */
        private final List<RegisterOp> ops;
        /** Echoes of puts that may repeat: optional, and if placed then before their put's completion. */
        private final BitSet echoes = new BitSet();

        private final BitSet required = new BitSet();
        /** The required operations not yet placed, earliest completion first: the head bounds what may come next. */
        private final TreeSet<Integer> unplacedRequired;

        private final BitSet done = new BitSet();
        private final Set<Placement> visited = new HashSet<>();

        Search(List<Candidate> candidates) {
            List<Candidate> sorted = candidates.stream()
                    .sorted(Comparator.comparingLong((Candidate c) -> c.op().invokeTime()))
                    .toList();
            this.ops = sorted.stream().map(Candidate::op).toList();
            this.unplacedRequired = new TreeSet<>(
                    Comparator.comparingLong((Integer i) -> ops.get(i).completeTime())
                            .thenComparingInt(i -> i));
            for (int i = 0; i < sorted.size(); i++) {
                if (sorted.get(i).echo()) {
                    echoes.set(i);
                } else if (ops.get(i).isKnown()) {
                    required.set(i);
                    unplacedRequired.add(i);
                }
            }
        }

        /**
         * A memo entry: the placed operations and the register's value. The placed set is kept as the
         * length of its all-placed prefix and the bits after it, since in a long history almost every
         * placed operation is in that prefix (a full copy per level would be quadratic in memory).
         */
        private record Placement(int prefix, BitSet rest, String state) {}

        /** One level of the search: the order so far ends in {@code state}; {@code cursor} is the next operation to try. */
        private static final class Frame {
            final String state;
            /** The latest invocation among the placed operations. */
            final long lastInvokeDone;
            /** The operation this level placed to descend, or -1. */
            int placed = -1;

            int cursor = 0;

            Frame(String state, long lastInvokeDone) {
                this.state = state;
                this.lastInvokeDone = lastInvokeDone;
            }
        }

        boolean run() {
            Deque<Frame> stack = new ArrayDeque<>();
            if (enter(stack, null, Long.MIN_VALUE)) {
                return true;
            }
            while (!stack.isEmpty()) {
                Frame frame = stack.peek();
                int next = nextCandidate(frame);
                if (next < 0) {
                    stack.pop();
                    Frame parent = stack.peek();
                    if (parent != null) {
                        unplace(parent.placed);
                    }
                    continue;
                }
                frame.cursor = next + 1;
                frame.placed = next;
                RegisterOp op = ops.get(next);
                place(next);
                String state = op.kind() == RegisterOp.Kind.PUT ? op.value() : frame.state;
                if (enter(stack, state, Math.max(frame.lastInvokeDone, op.invokeTime()))) {
                    return true;
                }
                if (stack.peek() == frame) {
                    unplace(next); // the child was visited before: not pushed
                }
            }
            return false;
        }

        /** Pushes a level for the current placement, unless it is complete (true) or was explored before. */
        private boolean enter(Deque<Frame> stack, String state, long lastInvokeDone) {
            if (unplacedRequired.isEmpty()) {
                return true;
            }
            int prefix = done.nextClearBit(0);
            if (visited.add(new Placement(
                    prefix,
                    done.get(prefix, Math.max(prefix, done.length())),
                    Objects.requireNonNullElse(state, ABSENT)))) {
                stack.push(new Frame(state, lastInvokeDone));
            }
            return false;
        }

        /** The next operation at or after the frame's cursor that may come next in the order, or -1. */
        private int nextCandidate(Frame frame) {
            // Only operations that must take effect order the others (the optional ones may never).
            long minComplete = ops.get(unplacedRequired.first()).completeTime();
            for (int i = done.nextClearBit(frame.cursor); i < ops.size(); i = done.nextClearBit(i + 1)) {
                RegisterOp op = ops.get(i);
                if (op.invokeTime() > minComplete) {
                    return -1; // another operation completed before this one (and all later ones) began
                }
                if (echoes.get(i) && frame.lastInvokeDone > op.completeTime()) {
                    continue; // an echo comes before everything invoked after its put completed
                }
                if (op.kind() == RegisterOp.Kind.GET && !Objects.equals(op.value(), frame.state)) {
                    continue;
                }
                return i;
            }
            return -1;
        }

        private void place(int i) {
            done.set(i);
            if (required.get(i)) {
                unplacedRequired.remove(i);
            }
        }

        private void unplace(int i) {
            done.clear(i);
            if (required.get(i)) {
                unplacedRequired.add(i);
            }
        }
    }
}
