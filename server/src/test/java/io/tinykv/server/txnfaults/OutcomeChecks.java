package io.tinykv.server.txnfaults;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the final snapshot must say about the transactions the client reported on: every reported
 * commit is visible, no reported failure is, unknown outcomes may go either way; and the data is
 * exactly what the committed transactions made of it.
 */
final class OutcomeChecks {

    private OutcomeChecks() {}

    /** How the transactions with writes ended, as the client said and as the markers show. */
    record MarkerTally(long committed, long aborted, long unknownCommitted, long unknownNotCommitted) {
        @Override
        public String toString() {
            return "writing transactions: committed " + committed + ", aborted " + aborted + ", unknown "
                    + (unknownCommitted + unknownNotCommitted) + " (of which the markers show " + unknownCommitted
                    + " committed)";
        }
    }

    /** Checks the markers against the reported outcomes, adding each violation to {@code problems}. */
    static MarkerTally markers(List<MarkedTxnExecutor.Attempt> attempts, FinalRead read, List<String> problems) {
        long committed = 0;
        long aborted = 0;
        long unknownCommitted = 0;
        long unknownNot = 0;
        Set<Long> known = new HashSet<>();
        for (MarkedTxnExecutor.Attempt a : attempts) {
            known.add(a.id());
            boolean visible = read.markers().contains(a.id());
            switch (a.outcome()) {
                case OK -> {
                    committed++;
                    if (!visible) {
                        problems.add("LOST COMMIT: attempt " + a.id() + " was reported committed but its marker "
                                + "is not in the final snapshot; it wrote " + a.writes());
                    }
                }
                case FAIL -> {
                    aborted++;
                    if (visible) {
                        problems.add("ABORTED BUT VISIBLE: attempt " + a.id() + " was reported not committed ("
                                + a.detail() + ") but its marker is in the final snapshot");
                    }
                }
                case INFO -> {
                    if (visible) {
                        unknownCommitted++;
                    } else {
                        unknownNot++;
                    }
                }
            }
        }
        for (long id : read.markers()) {
            if (!known.contains(id)) {
                problems.add("a marker of attempt " + id + ", which no transaction wrote");
            }
        }
        return new MarkerTally(committed, aborted, unknownCommitted, unknownNot);
    }

    /**
     * Bank: the final balances must be the initial ones plus the effect (written minus first read) of
     * exactly the transfers whose markers are visible. A lost update or a half-applied transfer
     * shows here even where no snapshot read happened to catch it.
     */
    static void bankBalances(
            List<MarkedTxnExecutor.Attempt> transfers,
            Map<String, Long> initial,
            FinalRead read,
            long total,
            List<String> problems) {
        Map<String, Long> expected = new HashMap<>(initial);
        for (MarkedTxnExecutor.Attempt a : transfers) {
            if (!read.markers().contains(a.id())) {
                continue;
            }
            for (Map.Entry<String, List<Long>> w : a.writes().entrySet()) {
                List<Long> before = a.firstReads().get(w.getKey());
                if (before == null || before.size() != 1 || w.getValue().size() != 1) {
                    problems.add("attempt " + a.id() + " is not a transfer: wrote " + a.writes() + " after reading "
                            + a.firstReads());
                    continue;
                }
                expected.merge(w.getKey(), w.getValue().getFirst() - before.getFirst(), Long::sum);
            }
        }
        long sum = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<Long> actual = read.values().get(e.getKey());
            if (actual == null || actual.size() != 1) {
                problems.add("account " + e.getKey() + " reads " + actual + " at the end");
                continue;
            }
            sum += actual.getFirst();
            if (actual.getFirst().longValue() != e.getValue()) {
                problems.add("account " + e.getKey() + " ends at " + actual.getFirst() + ", but the committed "
                        + "transfers make it " + e.getValue());
            }
        }
        if (sum != total) {
            problems.add("the accounts end with " + sum + " in total, expected " + total);
        }
    }

    /**
     * List-append: each key's final list holds exactly the elements appended by transactions whose
     * markers are visible, each once.
     */
    static void appendedElements(List<MarkedTxnExecutor.Attempt> attempts, FinalRead read, List<String> problems) {
        Map<String, Set<Long>> committedElements = new HashMap<>();
        Map<Long, Long> attemptOfElement = new HashMap<>();
        for (MarkedTxnExecutor.Attempt a : attempts) {
            boolean visible = read.markers().contains(a.id());
            for (Map.Entry<String, List<Long>> w : a.writes().entrySet()) {
                List<Long> before = a.firstReads().getOrDefault(w.getKey(), List.of());
                List<Long> after = w.getValue();
                if (after.size() < before.size()
                        || !after.subList(0, before.size()).equals(before)) {
                    problems.add("attempt " + a.id() + " wrote " + after + " to " + w.getKey()
                            + ", not an append to what it read, " + before);
                    continue;
                }
                for (long element : after.subList(before.size(), after.size())) {
                    attemptOfElement.put(element, a.id());
                    if (visible) {
                        committedElements
                                .computeIfAbsent(w.getKey(), k -> new HashSet<>())
                                .add(element);
                    }
                }
            }
        }
        for (Map.Entry<String, List<Long>> e : read.values().entrySet()) {
            List<Long> finalList = e.getValue();
            Set<Long> seen = new HashSet<>();
            for (long element : finalList) {
                if (!seen.add(element)) {
                    problems.add(e.getKey() + " holds " + element + " twice: " + finalList);
                }
            }
            Set<Long> expected = committedElements.getOrDefault(e.getKey(), Set.of());
            Set<Long> missing = new HashSet<>(expected);
            missing.removeAll(seen);
            Set<Long> extra = new HashSet<>(seen);
            extra.removeAll(expected);
            for (long element : missing) {
                problems.add("LOST APPEND: " + element + " of committed attempt " + attemptOfElement.get(element)
                        + " is missing from " + e.getKey() + " = " + finalList);
            }
            for (long element : extra) {
                problems.add(e.getKey() + " holds " + element + ", appended by attempt " + attemptOfElement.get(element)
                        + " whose marker is not visible");
            }
        }
        Set<String> readKeys = read.values().keySet();
        for (String key : committedElements.keySet()) {
            if (!readKeys.contains(key)) {
                problems.add("the final read missed key " + key);
            }
        }
    }
}
