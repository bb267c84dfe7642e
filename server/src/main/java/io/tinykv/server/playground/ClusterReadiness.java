package io.tinykv.server.playground;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Metapb;
import io.tinykv.security.ChannelFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Asks the scheduler whether the cluster serves: every expected store registered and up, and the
 * first region (the one holding the empty key) with its full replica count and a leader.
 */
public final class ClusterReadiness {
    /** Between two questions to the scheduler while the cluster comes up. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    /** Deadline of one call to the scheduler; short, since it is on loopback and we ask again. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

    /** What one question to the scheduler found. */
    public sealed interface Probe permits NotYet, Serving {}

    /** @param reason what is still missing, for the user */
    public record NotYet(String reason) implements Probe {}

    /**
     * @param storeIds    the expected stores' ids, by address
     * @param firstRegion the region holding the empty key, with its leader
     */
    public record Serving(Map<String, Long> storeIds, RegionInfo firstRegion) implements Probe {}

    /** Opens a PD client (real network in the playground; tests hand in what they need). */
    private final Function<ClientConfig, PdClient> connector;

    private final Clock clock;

    public ClusterReadiness(Function<ClientConfig, PdClient> connector, Clock clock) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Over the network (plaintext) with the real clock. */
    public static ClusterReadiness overNetwork() {
        return overNetwork(ChannelFactory.plaintext());
    }

    /** Over the network through {@code channels} (mutual TLS in a TLS cluster) with the real clock. */
    public static ClusterReadiness overNetwork(ChannelFactory channels) {
        return new ClusterReadiness(config -> PdClient.connect(config, channels, Clock.system()), Clock.system());
    }

    /** Asks once. */
    public Probe probe(String pdAddress, Set<String> storeAddresses, int replicas) {
        ClientConfig config = ClientConfig.of(List.of(pdAddress))
                .withTimeoutsMs(CALL_TIMEOUT.toMillis(), CALL_TIMEOUT.toMillis())
                .withBackoffBudgetMs(0);
        try (PdClient pd = connector.apply(config)) {
            Map<String, Long> ids = pd.getAllStores(true).stream()
                    .filter(s -> s.getState() == Metapb.StoreState.Up && storeAddresses.contains(s.getAddress()))
                    .collect(Collectors.toMap(Metapb.Store::getAddress, Metapb.Store::getId, (a, b) -> Math.max(a, b)));
            if (ids.size() < storeAddresses.size()) {
                List<String> missing = storeAddresses.stream()
                        .filter(a -> !ids.containsKey(a))
                        .sorted()
                        .toList();
                return new NotYet(ids.size() + " of " + storeAddresses.size() + " stores registered (waiting for "
                        + String.join(", ", missing) + ")");
            }
            RegionInfo first = pd.getRegion(ByteString.EMPTY).orElse(null);
            if (first == null) {
                return new NotYet("no region yet (the cluster is not bootstrapped)");
            }
            // A learner (a replica being added, still catching up) does not count: it votes once promoted.
            int voters = (int) first.region().getPeersList().stream()
                    .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                    .count();
            if (voters < replicas) {
                return new NotYet("region " + first.id() + " has " + voters + " of " + replicas + " replicas");
            }
            if (!first.hasLeader()) {
                return new NotYet("region " + first.id() + " has no leader yet");
            }
            return new Serving(Map.copyOf(ids), first);
        } catch (TinyKvException e) {
            return new NotYet("scheduler at " + pdAddress + " not answering: " + e.getMessage());
        }
    }

    /**
     * Asks until the cluster serves, the deadline passes, or {@code failures} reports a reason to give
     * up (e.g. a child process that exited).
     *
     * @param failures checked before every question; a non-empty list ends the wait
     * @throws NotServingException with the last thing missing, or the failures
     */
    public Serving await(
            String pdAddress,
            Set<String> storeAddresses,
            int replicas,
            Duration timeout,
            Supplier<List<String>> failures)
            throws InterruptedException {
        long deadlineMs = clock.nowMillis() + timeout.toMillis();
        String lastReason = "never asked";
        while (true) {
            List<String> failed = failures.get();
            if (!failed.isEmpty()) {
                throw new NotServingException("gave up waiting for the cluster: " + String.join("; ", failed)
                        + " (last seen: " + lastReason + ")");
            }
            Probe probe = probe(pdAddress, storeAddresses, replicas);
            switch (probe) {
                case Serving serving -> {
                    return serving;
                }
                case NotYet notYet -> lastReason = notYet.reason();
            }
            if (clock.nowMillis() >= deadlineMs) {
                throw new NotServingException("the cluster did not serve within " + timeout + ": " + lastReason);
            }
            clock.sleepMillis(POLL_INTERVAL.toMillis());
        }
    }

    /** The cluster did not come up. */
    public static final class NotServingException extends RuntimeException {
        public NotServingException(String message) {
            super(message);
        }
    }
}
