package io.tinykv.client.pd;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tinykv.client.Backoff;
import io.tinykv.client.BackoffSchedule;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.Clock;
import io.tinykv.client.Failures;
import io.tinykv.client.PdException;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.security.ChannelFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to the PD cluster (the scheduler) that every PD caller builds on: the client
 * library's {@link PdClient} and the store's scheduler client alike. It knows the members (the
 * configured addresses, then every client URL the members report), which of them leads (found
 * through {@code GetMembers} on any member, and found again when a call to it fails), the cluster id
 * learnt at connect (sent in every request header and checked in every answer), one channel per
 * address, and the deadline of every call.
 *
 * <p>A unary call that fails at the transport level is retried against the re-discovered leader,
 * waiting between attempts as the {@link Settings#retrySchedule} says, until the caller's budget is
 * spent: a store starting up waits as long as it takes ({@link #UNBOUNDED_BUDGET_MS}); a path that
 * must not wait tries once (budget 0). An error in the response header is PD's answer and is never
 * retried ({@link PdException#errorType()} says which).
 *
 * <p>Thread-safe.
 */
public final class PdConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PdConnection.class);

    /** A budget that never runs out: the call waits for PD until it answers (or the thread is interrupted). */
    public static final long UNBOUNDED_BUDGET_MS = Long.MAX_VALUE;
    /** While a call keeps failing, the warning that says so repeats this often. */
    static final long WAIT_WARNING_REPEAT_MS = 5_000;

    /**
     * Where PD is and how to talk to it.
     *
     * @param addresses     PD endpoints as {@code host:port} (an {@code http://} prefix is dropped);
     *                      any one member is enough to find the leader
     * @param timeoutMs     deadline of every single call
     * @param retrySchedule the waits between attempts of a failing call
     */
    public record Settings(List<String> addresses, long timeoutMs, BackoffSchedule retrySchedule) {
        public Settings {
            if (addresses == null || addresses.isEmpty()) {
                throw new IllegalArgumentException("at least one PD address (host:port) is required");
            }
            addresses = addresses.stream().map(Addresses::stripScheme).toList();
            if (timeoutMs <= 0) {
                throw new IllegalArgumentException("timeoutMs must be > 0, got " + timeoutMs);
            }
        }
    }

    private final Settings settings;
    private final ChannelPool channels;
    private final boolean ownsChannels;
    private final Clock clock;
    private final PdMembers members;
    /** Learnt from the first member that answers; every later answer must carry the same. */
    private volatile long clusterId;

    private volatile String leaderAddress;
    private volatile long senderId;
    private volatile boolean closed;

    private PdConnection(Settings settings, ChannelPool channels, boolean ownsChannels, Clock clock) {
        this.settings = settings;
        this.channels = channels;
        this.ownsChannels = ownsChannels;
        this.clock = clock;
        this.members = new PdMembers(settings.addresses(), channels, settings.timeoutMs());
    }

    /**
     * Connects: asks the known addresses in turn for the members until one names a leader, and again
     * after a wait while none does, until {@code connectBudgetMs} is spent. With a budget of 0 it fails
     * at once, so that a wrong address is reported quickly.
     *
     * @throws PdException "cannot reach PD at ADDRESS: REASON" when no member answered in time
     */
    public static PdConnection connect(
            Settings settings, ChannelFactory channelFactory, Clock clock, long connectBudgetMs) {
        return connect(settings, new ChannelPool(channelFactory), true, clock, connectBudgetMs);
    }

    /** As {@link #connect(Settings, ChannelFactory, Clock, long)} over channels the caller may share. */
    static PdConnection connect(
            Settings settings, ChannelPool channels, boolean ownsChannels, Clock clock, long connectBudgetMs) {
        PdConnection connection = new PdConnection(settings, channels, ownsChannels, clock);
        try {
            connection.awaitLeader(connectBudgetMs);
            return connection;
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private void awaitLeader(long budgetMs) {
        Retries retries = new Retries(budgetMs);
        while (true) {
            try {
                PdMembers.Leader found = members.findLeader(0);
                clusterId = found.clusterId();
                leaderAddress = found.address();
                retries.answered("GetMembers", found.address());
                return;
            } catch (PdMembers.NoLeader e) {
                if (!e.worthRetrying) {
                    throw new PdException(e.getMessage());
                }
                if (!retries.waitAfter("GetMembers", e.getMessage())) {
                    throw new PdException(
                            retries.backoff.retries() == 0
                                    ? e.getMessage()
                                    : e.getMessage() + " (" + retries.backoff.givingUpMessage() + ")");
                }
            }
        }
    }

    /** The address ({@code host:port}) of the PD that calls go to now. */
    public String leaderAddress() {
        return leaderAddress;
    }

    /** The cluster id PD reported at connect. */
    public long clusterId() {
        return clusterId;
    }

    /** The deadline of every single call. */
    public long timeoutMs() {
        return settings.timeoutMs();
    }

    /** The waits between attempts of a failing call, for callers that retry on their own (streams). */
    public BackoffSchedule retrySchedule() {
        return settings.retrySchedule();
    }

    /** Names the sender (a store's id) in the headers of later requests. */
    public void setSenderId(long senderId) {
        this.senderId = senderId;
    }

    /** The header of every request: the cluster id and, from a store, its id. */
    public Pdpb.RequestHeader header() {
        return Pdpb.RequestHeader.newBuilder()
                .setClusterId(clusterId)
                .setSenderId(senderId)
                .build();
    }

    /**
     * Runs a unary call against the leader within the deadline, retrying a transport failure worth
     * retrying against the re-discovered leader until {@code budgetMs} is spent.
     *
     * @param method the RPC's name, for messages
     * @throws PdException when PD answered with an error ({@link PdException#errorType()}), when the
     *     failure is not worth retrying, or when the budget is spent
     */
    public <T> T call(
            String method,
            Function<PDGrpc.PDBlockingStub, T> rpc,
            Function<T, Pdpb.ResponseHeader> headerOf,
            long budgetMs) {
        Retries retries = new Retries(budgetMs);
        while (true) {
            String address = currentLeader(method);
            T response;
            try {
                response = rpc.apply(PDGrpc.newBlockingStub(channel(address))
                        .withDeadlineAfter(settings.timeoutMs(), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                retryOrThrow(method, address, e, retries);
                continue;
            }
            checkHeader(method, address, headerOf.apply(response));
            retries.answered(method, address);
            return response;
        }
    }

    /**
     * Runs a unary call against the leader within the deadline without waiting for it: exactly one of
     * {@code onAnswer} and {@code onFailure} gets the outcome, on a gRPC thread. Not retried: the
     * callers (split requests and reports from the Raft thread) ask again on their own schedule.
     */
    public <T> void callAsync(
            String method,
            BiConsumer<PDGrpc.PDStub, StreamObserver<T>> rpc,
            Function<T, Pdpb.ResponseHeader> headerOf,
            Consumer<T> onAnswer,
            Consumer<PdException> onFailure) {
        String address = currentLeader(method);
        rpc.accept(
                PDGrpc.newStub(channel(address)).withDeadlineAfter(settings.timeoutMs(), TimeUnit.MILLISECONDS),
                new StreamObserver<>() {
                    /** gRPC calls an observer's methods one at a time. */
                    private boolean done;

                    @Override
                    public void onNext(T response) {
                        done = true;
                        try {
                            checkHeader(method, address, headerOf.apply(response));
                        } catch (PdException e) {
                            onFailure.accept(e);
                            return;
                        }
                        onAnswer.accept(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        if (!done) {
                            done = true;
                            onFailure.accept(new PdException(
                                    method + " failed at PD " + address + ": "
                                            + Failures.describe(
                                                    Status.fromThrowable(t).asRuntimeException(), settings.timeoutMs()),
                                    t));
                        }
                    }

                    @Override
                    public void onCompleted() {
                        if (!done) {
                            done = true;
                            onFailure.accept(
                                    new PdException(method + " at PD " + address + " ended without an answer"));
                        }
                    }
                });
    }

    /** An asynchronous stub on the leader, without a deadline: for streams and fire-and-forget calls. */
    public PDGrpc.PDStub asyncStub() {
        return PDGrpc.newStub(channel(currentLeader("a PD stream")));
    }

    /**
     * The leader at {@code address} failed (a broken stream, a failed call): finds the leader again,
     * unless another caller already moved on from {@code address}; keeps it when no member answers.
     * Blocks for at most one deadline per known member.
     */
    public synchronized void leaderFailed(String address) {
        if (closed || !address.equals(leaderAddress)) {
            return;
        }
        try {
            PdMembers.Leader found = members.findLeader(clusterId);
            if (!found.address().equals(address)) {
                LOG.info("PD leader is now {} (was {})", found.address(), address);
            }
            leaderAddress = found.address();
        } catch (PdMembers.NoLeader e) {
            LOG.debug("PD leader refresh failed: {}", e.getMessage());
        }
    }

    /** The retry state of one operation: its backoff budget and when it last warned. */
    final class Retries {
        final Backoff backoff;
        private long lastWarnedMs;

        Retries(long budgetMs) {
            this.backoff = new Backoff(clock, budgetMs);
        }

        /**
         * Waits before the next attempt, saying so (at once, then every {@link #WAIT_WARNING_REPEAT_MS}).
         *
         * @return whether to try again; false once the budget is spent or the thread was interrupted
         */
        boolean waitAfter(String what, String reason) {
            int retries = backoff.retries();
            if (backoff.budgetMs() > 0
                    && (retries == 0 || clock.nowMillis() - lastWarnedMs >= WAIT_WARNING_REPEAT_MS)) {
                lastWarnedMs = clock.nowMillis();
                LOG.warn("waiting for PD: {} failed ({}); attempt {}", what, reason, retries + 1);
            }
            return backoff.sleepThenRetry(settings.retrySchedule(), reason, 0);
        }

        void answered(String method, String address) {
            if (backoff.retries() > 0) {
                LOG.info("PD at {} answered {} after {} retries", address, method, backoff.retries());
            }
        }
    }

    /** New retry state for an operation with {@code budgetMs} to spend on waits. */
    Retries retries(long budgetMs) {
        return new Retries(budgetMs);
    }

    /** Waits and re-discovers the leader if the failure is worth retrying; throws otherwise. */
    void retryOrThrow(String method, String address, StatusRuntimeException e, Retries retries) {
        String reason = Failures.describe(e, settings.timeoutMs());
        if (!isRetryable(e.getStatus().getCode())) {
            throw new PdException(method + " failed at PD " + address + ": " + reason, e);
        }
        if (!retries.waitAfter(method + " at " + address, reason)) {
            throw new PdException("cannot reach PD at " + address + ": " + retries.backoff.givingUpMessage(), e);
        }
        leaderFailed(address);
    }

    /**
     * The failures a retry may cure. PD's calls are reads, TSO and idempotent writes (a repeated
     * PutStore or Bootstrap is answered as such), so a deadline is as safe to retry as an unreachable
     * server. A follower PD answers UNAVAILABLE ("not leader"); a PD starting up or shutting down may
     * answer UNIMPLEMENTED, CANCELLED or RESOURCE_EXHAUSTED for a moment.
     */
    static boolean isRetryable(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, UNIMPLEMENTED, CANCELLED, RESOURCE_EXHAUSTED -> true;
            default -> false;
        };
    }

    /** Throws PD's error, or a mismatch of the cluster id; returns when the header is a plain answer. */
    void checkHeader(String method, String address, Pdpb.ResponseHeader header) {
        if (header.hasError() && header.getError().getType() != Pdpb.ErrorType.OK) {
            throw new PdException(
                    method + " failed at PD " + address + ": " + Failures.describe(header.getError()),
                    null,
                    header.getError().getType());
        }
        if (header.getClusterId() != clusterId) {
            throw new PdException("PD at " + address + " now reports cluster id " + header.getClusterId() + ", not "
                    + clusterId + " as before: it is another cluster");
        }
    }

    /** The channel to {@code address}, opened on first use. */
    ManagedChannel channel(String address) {
        return channels.get(address);
    }

    private String currentLeader(String what) {
        if (closed) {
            throw new PdException(what + ": the connection to PD is closed");
        }
        return leaderAddress;
    }

    @Override
    public void close() {
        closed = true;
        if (ownsChannels) {
            channels.close();
        }
    }
}
