package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.KeyValue;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The interpreter behind {@code ctl txn shell}: one command per line, at most one open transaction.
 * A failing command prints {@code error: ...} on stderr and the shell goes on; a commit that fails
 * ends its transaction (it was rolled back, or its outcome is unknown). At the end of the input an
 * open transaction is rolled back. Blank lines and lines starting with {@code #} are skipped.
 */
final class TxnShell {
    static final int DEFAULT_SCAN_LIMIT = ScanCommand.DEFAULT_LIMIT;
    private static final String HELP = String.join(
            "\n",
            "begin                          start a transaction",
            "get KEY                        print the value of KEY",
            "put KEY VALUE                  buffer a write",
            "delete KEY                     buffer a delete",
            "scan [START [END [LIMIT]]]     print the pairs in [START, END)",
            "commit                         commit the transaction",
            "rollback                       abandon the transaction",
            "exit                           roll back an open transaction and quit");

    private final TxnKvClient client;
    private final KeyFormat format;
    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter err;
    private Transaction current;
    private int exitCode = CtlCommand.EXIT_OK;

    TxnShell(TxnKvClient client, KeyFormat format, BufferedReader in, PrintWriter out, PrintWriter err) {
        this.client = client;
        this.format = format;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Runs until exit or the end of the input; returns the exit code. */
    int run() {
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException("reading commands", e);
            }
            if (line == null) {
                finish("end of input");
                return exitCode;
            }
            List<String> words = List.of(line.trim().split("\\s+"));
            if (words.get(0).isEmpty() || words.get(0).startsWith("#")) {
                continue;
            }
            String command = words.get(0).toLowerCase(Locale.ROOT);
            if (command.equals("exit") || command.equals("quit")) {
                finish("exit");
                return exitCode;
            }
            try {
                execute(command, words.subList(1, words.size()));
            } catch (CommitUnknownException e) {
                current = null;
                exitCode = CtlCommand.EXIT_COMMIT_UNKNOWN;
                err.println("error: " + e.getMessage());
            } catch (TinyKvException | IllegalArgumentException | IllegalStateException e) {
                if (current != null && current.status() != Transaction.Status.ACTIVE) {
                    current = null;
                }
                if (exitCode == CtlCommand.EXIT_OK) {
                    exitCode = CtlCommand.EXIT_FAILURE;
                }
                err.println("error: " + e.getMessage());
            }
            out.flush();
            err.flush();
        }
    }

    private void execute(String command, List<String> args) {
        switch (command) {
            case "help" -> out.println(HELP);
            case "begin" -> {
                expectArgs(command, args, 0, 0);
                if (current != null) {
                    throw new IllegalStateException("a transaction is open (start_ts="
                            + Long.toUnsignedString(current.startTs()) + "): commit or rollback first");
                }
                begin();
            }
            case "get" -> {
                expectArgs(command, args, 1, 1);
                Optional<ByteString> value = transaction().get(parse("key", args.get(0)));
                out.println(value.map(format::format).orElse("(not found)"));
            }
            case "put" -> {
                expectArgs(command, args, 2, 2);
                ByteString key = parse("key", args.get(0));
                ByteString value = parse("value", args.get(1));
                transaction().put(key, value);
                out.println("OK");
            }
            case "delete" -> {
                expectArgs(command, args, 1, 1);
                transaction().delete(parse("key", args.get(0)));
                out.println("OK");
            }
            case "scan" -> scan(args);
            case "commit" -> {
                expectArgs(command, args, 0, 0);
                Transaction t = requireOpen(command);
                current = null; // whatever the outcome, this transaction is over
                t.commit();
                out.println(TxnSubcommand.committed(t));
            }
            case "rollback" -> {
                expectArgs(command, args, 0, 0);
                Transaction t = requireOpen(command);
                current = null;
                t.rollback();
                out.println("rolled back " + TxnSubcommand.started(t));
            }
            default -> throw new IllegalArgumentException("unknown command '" + command + "' (type help)");
        }
    }

    private void scan(List<String> args) {
        expectArgs("scan", args, 0, 3);
        ByteString start = args.size() > 0 ? parse("start", args.get(0)) : ByteString.EMPTY;
        ByteString end = args.size() > 1 ? parse("end", args.get(1)) : ByteString.EMPTY;
        int limit = DEFAULT_SCAN_LIMIT;
        if (args.size() > 2) {
            try {
                limit = Integer.parseInt(args.get(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit '" + args.get(2) + "' is not a number");
            }
        }
        for (KeyValue pair : transaction().scan(start, end, limit)) {
            out.println(format.format(pair.key()) + ": " + format.format(pair.value()));
        }
    }

    private Transaction transaction() {
        if (current == null) {
            begin();
        }
        return current;
    }

    private void begin() {
        current = client.begin();
        out.println("begin " + TxnSubcommand.started(current));
    }

    private Transaction requireOpen(String command) {
        if (current == null) {
            throw new IllegalStateException(command + ": no transaction is open");
        }
        return current;
    }

    private void finish(String why) {
        if (current != null) {
            current.rollback();
            out.println("rolled back " + TxnSubcommand.started(current) + " (" + why + ")");
            current = null;
        }
        out.flush();
    }

    private ByteString parse(String what, String input) {
        return format.parse(what, input);
    }

    private static void expectArgs(String command, List<String> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            String expected = min == max ? String.valueOf(min) : min + " to " + max;
            throw new IllegalArgumentException(
                    command + " takes " + expected + " argument(s), got " + args.size() + " (type help)");
        }
    }
}
