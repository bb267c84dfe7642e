package io.tinykv.client.ctl;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.security.ChannelFactory;
import io.tinykv.security.SecurityOptions;
import io.tinykv.security.TlsCredentials;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tinykv ctl}: a command-line client. The connection and format options belong here and may be
 * given before or after the subcommand ({@code tinykv ctl --pd h:2379 get k} or {@code tinykv ctl get k
 * --pd h:2379}).
 *
 * <p>Exit codes: {@value #EXIT_OK} success, {@value #EXIT_NOT_FOUND} key not found ({@code get}),
 * {@value #EXIT_USAGE} bad command line, {@value #EXIT_FAILURE} the cluster could not do it (unreachable
 * PD or store, an error from the store, a transaction that did not commit), {@value #EXIT_COMMIT_UNKNOWN}
 * a transaction may or may not have committed. Results go to stdout, errors to stderr.
 *
 * <p>Runs standalone ({@link #main}) or as the {@code ctl} subcommand of the {@code tinykv} process.
 * {@code stores} and {@code regions} ask the scheduler (PD) about the cluster; they exit
 * {@value #EXIT_FAILURE} when it cannot be reached.
 */
@Command(
        name = "ctl",
        description = "Command-line client for a TinyKV cluster.",
        subcommands = {
            GetCommand.class,
            PutCommand.class,
            DeleteCommand.class,
            ScanCommand.class,
            TxnCommand.class,
            StoresCommand.class,
            RegionsCommand.class,
            SplitCommand.class,
            RegionCommand.class,
            OperatorCommand.class,
            StoreCommand.class,
            SchedulerCtlCommand.class
        },
        usageHelpAutoWidth = true)
public final class CtlCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_NOT_FOUND = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_FAILURE = 3;
    /** A transaction's commit got no definite answer: it may or may not have committed. */
    public static final int EXIT_COMMIT_UNKNOWN = 4;

    static final String DEFAULT_PD = "127.0.0.1:2379";
    static final long DEFAULT_TIMEOUT_MS = 5_000;
    static final long DEFAULT_BACKOFF_BUDGET_MS = 10_000;

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    private SecurityOptions security = new SecurityOptions();

    @Option(
            names = "--pd",
            scope = ScopeType.INHERIT,
            split = ",",
            paramLabel = "HOST:PORT",
            description = "PD address(es), comma-separated (default: " + DEFAULT_PD + ").")
    List<String> pdAddresses = List.of(DEFAULT_PD);

    @Option(
            names = "--cf",
            scope = ScopeType.INHERIT,
            paramLabel = "NAME",
            description = "Column family (default: the store's default).")
    String columnFamily = "";

    @Option(names = "--hex", scope = ScopeType.INHERIT, description = "Keys and values are hex, on input and output.")
    boolean hex;

    @Option(
            names = "--base64",
            scope = ScopeType.INHERIT,
            description = "Keys and values are base64, on input and output.")
    boolean base64;

    @Option(
            names = "--timeout-ms",
            scope = ScopeType.INHERIT,
            paramLabel = "MS",
            description = "Deadline of each call to PD or a store (default: " + DEFAULT_TIMEOUT_MS + ").")
    long timeoutMs = DEFAULT_TIMEOUT_MS;

    @Option(
            names = "--backoff-budget-ms",
            scope = ScopeType.INHERIT,
            paramLabel = "MS",
            description = "How long to keep retrying a leader change, split or busy store " + "(default: "
                    + DEFAULT_BACKOFF_BUDGET_MS + ").")
    long backoffBudgetMs = DEFAULT_BACKOFF_BUDGET_MS;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    boolean help;

    private final ClientFactory clientFactory;
    private final TxnClientFactory txnClientFactory;
    private final PdClientFactory pdClientFactory;
    private final Reader input;

    /**
     * The command as the {@code tinykv} process and {@link #main} run it: real network (mutual TLS
     * when {@code --ca-path}, {@code --cert-path} and {@code --key-path} are given), real clock.
     */
    public CtlCommand() {
        this.clientFactory = config -> RawKvClient.create(config, networkChannels(), Clock.system());
        this.txnClientFactory = config ->
                TxnKvClient.create(config, networkChannels(), Clock.system(), TxnKvClient.DEFAULT_LOCK_TTL_MS);
        this.pdClientFactory = config -> PdClient.connect(config, networkChannels(), Clock.system());
        this.input = new InputStreamReader(System.in, StandardCharsets.UTF_8);
    }

    public CtlCommand(ClientFactory clientFactory) {
        this(clientFactory, TxnKvClient::create, new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    /**
     * @param input what {@code txn shell} reads its commands from (stdin in the real command)
     */
    public CtlCommand(ClientFactory clientFactory, TxnClientFactory txnClientFactory, Reader input) {
        this(clientFactory, txnClientFactory, PdClient::connect, input);
    }

    /**
     * @param pdClientFactory what {@code stores} and {@code regions} ask PD through
     * @param input           what {@code txn shell} reads its commands from (stdin in the real command)
     */
    public CtlCommand(
            ClientFactory clientFactory,
            TxnClientFactory txnClientFactory,
            PdClientFactory pdClientFactory,
            Reader input) {
        this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
        this.txnClientFactory = Objects.requireNonNull(txnClientFactory, "txnClientFactory");
        this.pdClientFactory = Objects.requireNonNull(pdClientFactory, "pdClientFactory");
        this.input = Objects.requireNonNull(input, "input");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CtlCommand()).execute(args));
    }

    /** Without a subcommand: say what there is. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** The format chosen by --hex / --base64. */
    KeyFormat format(CommandLine caller) {
        if (hex && base64) {
            throw new CommandLine.ParameterException(caller, "--hex and --base64 cannot be combined");
        }
        return hex ? KeyFormat.HEX : base64 ? KeyFormat.BASE64 : KeyFormat.TEXT;
    }

    /**
     * Opens a client, runs {@code action} and turns the client's failures into a message on stderr and
     * {@link #EXIT_FAILURE}.
     */
    int withClient(CommandLine caller, ClientAction action) {
        ClientConfig config = config(caller);
        PrintWriter out = caller.getOut();
        PrintWriter err = caller.getErr();
        try (RawKvClient client = clientFactory.open(config)) {
            RawKvClient view = columnFamily.isEmpty() ? client : client.withColumnFamily(columnFamily);
            return action.run(view, out, err);
        } catch (TinyKvException e) {
            err.println("error: " + e.getMessage());
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Opens a transactional client, runs {@code action} and turns the client's failures into a message
     * on stderr and {@link #EXIT_FAILURE}, or {@link #EXIT_COMMIT_UNKNOWN} for a commit without answer.
     */
    int withTxnClient(CommandLine caller, TxnAction action) {
        if (!columnFamily.isEmpty()) {
            throw new CommandLine.ParameterException(
                    caller,
                    "--cf does not apply to transactions (they use the default, lock and write column families)");
        }
        ClientConfig config = config(caller);
        PrintWriter out = caller.getOut();
        PrintWriter err = caller.getErr();
        try (TxnKvClient client = txnClientFactory.open(config)) {
            return action.run(client, out, err);
        } catch (CommitUnknownException e) {
            err.println("error: " + e.getMessage());
            return EXIT_COMMIT_UNKNOWN;
        } catch (TinyKvException e) {
            err.println("error: " + e.getMessage());
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Connects to PD, runs {@code action} and turns PD's failures (unreachable, an error answer) into a
     * message on stderr and {@link #EXIT_FAILURE}. Column family and key-value options do not apply.
     */
    int withPdClient(CommandLine caller, PdAction action) {
        if (!columnFamily.isEmpty()) {
            throw new CommandLine.ParameterException(caller, "--cf does not apply to " + caller.getCommandName());
        }
        ClientConfig config = config(caller);
        PrintWriter out = caller.getOut();
        PrintWriter err = caller.getErr();
        try (PdClient pd = pdClientFactory.open(config)) {
            return action.run(pd, out, err);
        } catch (TinyKvException e) {
            err.println("error: " + e.getMessage());
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Calls the scheduler's JSON API on the {@code --pd} address(es), runs {@code action} and turns a
     * refusal or an unreachable scheduler into its reason on stderr and {@link #EXIT_FAILURE}.
     */
    int withSchedulerApi(CommandLine caller, ApiSubcommand.ApiAction action) {
        List<String> tlsProblems = security.config().problems();
        if (!tlsProblems.isEmpty()) {
            throw new CommandLine.ParameterException(caller, String.join("; ", tlsProblems));
        }
        PrintWriter out = caller.getOut();
        PrintWriter err = caller.getErr();
        // Under TLS the scheduler's client port answers HTTPS to our client certificate.
        javax.net.ssl.SSLContext tls = TlsCredentials.of(security.config()).sslContext();
        try (SchedulerApi api = new SchedulerApi(pdAddresses, java.time.Duration.ofMillis(timeoutMs), tls)) {
            return action.run(api, out, err);
        } catch (SchedulerApi.Failure e) {
            err.println("error: " + e.getMessage());
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Where {@code txn shell} reads its commands. */
    BufferedReader input() {
        return input instanceof BufferedReader buffered ? buffered : new BufferedReader(input);
    }

    /** Channels secured by the TLS options (already checked by {@link #config(CommandLine)}). */
    private ChannelFactory networkChannels() {
        return ChannelFactory.withCredentials(
                TlsCredentials.of(security.config()).channelCredentials());
    }

    private ClientConfig config(CommandLine caller) {
        List<String> tlsProblems = security.config().problems();
        if (!tlsProblems.isEmpty()) {
            throw new CommandLine.ParameterException(caller, String.join("; ", tlsProblems));
        }
        try {
            return ClientConfig.of(pdAddresses)
                    .withTimeoutsMs(timeoutMs, timeoutMs)
                    .withBackoffBudgetMs(backoffBudgetMs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(caller, e.getMessage());
        }
    }

    /** The work of one transactional subcommand, given a connected client. */
    @FunctionalInterface
    interface TxnAction {
        int run(TxnKvClient client, PrintWriter out, PrintWriter err);
    }

    /** The work of one subcommand that asks PD, given a connected PD client. */
    @FunctionalInterface
    interface PdAction {
        int run(PdClient pd, PrintWriter out, PrintWriter err);
    }

    /** The work of one subcommand, given a connected client. */
    @FunctionalInterface
    interface ClientAction {
        int run(RawKvClient client, PrintWriter out, PrintWriter err);
    }
}
