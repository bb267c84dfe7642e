package io.tinykv.testkit.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One step inside a transaction. List-append workloads use {@link Append} and {@link Read}; bank
 * workloads use {@link BalanceRead} and {@link Transfer}. Read results are {@code null} while unknown
 * (in an invocation, or in a transaction whose outcome is not {@link Outcome#OK}).
 */
public sealed interface MicroOp {

    /** A human-readable form such as {@code a x 3} or {@code r x [1 2]}. */
    String describe();

    /** Appends {@code value} to the list stored under {@code key}. Values are unique per key. */
    record Append(String key, long value) implements MicroOp {
        public Append {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String describe() {
            return "a " + key + " " + value;
        }
    }

    /** Reads the whole list under {@code key}; {@code values} is null while unknown. */
    record Read(String key, List<Long> values) implements MicroOp {
        public Read {
            Objects.requireNonNull(key, "key");
            // List.copyOf rejects null elements, which would make a read meaningless.
            values = values == null ? null : List.copyOf(values);
        }

        public static Read unknown(String key) {
            return new Read(key, null);
        }

        public boolean known() {
            return values != null;
        }

        @Override
        public String describe() {
            return "r " + key + " " + (values == null ? "?" : formatList(values));
        }
    }

    /** Reads one bank account; {@code balance} is null while unknown. */
    record BalanceRead(String key, Long balance) implements MicroOp {
        public BalanceRead {
            Objects.requireNonNull(key, "key");
        }

        public static BalanceRead unknown(String key) {
            return new BalanceRead(key, null);
        }

        public boolean known() {
            return balance != null;
        }

        @Override
        public String describe() {
            return "r " + key + " " + (balance == null ? "?" : balance);
        }
    }

    /**
     * Moves {@code amount} from one account to another if the source holds at least that much;
     * otherwise the transaction aborts (balances never go negative).
     */
    record Transfer(String from, String to, long amount) implements MicroOp {
        public Transfer {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (from.equals(to)) {
                throw new IllegalArgumentException("transfer from an account to itself: " + from);
            }
            if (amount <= 0) {
                throw new IllegalArgumentException("transfer amount must be positive, was " + amount);
            }
        }

        @Override
        public String describe() {
            return "transfer " + amount + " " + from + "->" + to;
        }
    }

    /** Lists longer than this are shown abbreviated in reports. */
    int MAX_SHOWN_ELEMENTS = 12;
    /** How many leading elements an abbreviated list shows (the rest of the budget shows its end). */
    int SHOWN_HEAD_ELEMENTS = 3;

    /**
     * Formats a list as {@code [1 2 3]}, the way reads are shown in reports; a long list shows its
     * start and end only, e.g. {@code [1 2 3 …(+480)… 7 8 9]}, since anomalies live at the tail.
     */
    static String formatList(List<Long> values) {
        List<String> parts = new ArrayList<>(Math.min(values.size(), MAX_SHOWN_ELEMENTS) + 1);
        boolean abbreviate = values.size() > MAX_SHOWN_ELEMENTS;
        int tail = MAX_SHOWN_ELEMENTS - SHOWN_HEAD_ELEMENTS;
        for (int i = 0; i < values.size(); i++) {
            if (abbreviate && i == SHOWN_HEAD_ELEMENTS) {
                int skipped = values.size() - MAX_SHOWN_ELEMENTS;
                parts.add("…(+" + skipped + ")…");
                i += skipped - 1;
                continue;
            }
            parts.add(String.valueOf(values.get(i)));
        }
        assert !abbreviate || parts.size() == SHOWN_HEAD_ELEMENTS + 1 + tail;
        return "[" + String.join(" ", parts) + "]";
    }
}
