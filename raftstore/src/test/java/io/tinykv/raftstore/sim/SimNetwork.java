package io.tinykv.raftstore.sim;

import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * The in-memory network between the simulated stores: each message is delivered after a random
 * delay, unless a fault filter drops it. Filters model loss and partitions; delivery to a store
 * that is down is a loss too.
 */
public final class SimNetwork {

    /** Decides whether one message may pass. */
    @FunctionalInterface
    public interface Filter {
        boolean allows(long fromStore, long toStore, RaftMessage message);
    }

    /** Drops each message with probability {@code dropRate}. */
    public static Filter dropping(Random random, double dropRate) {
        return (from, to, m) -> random.nextDouble() >= dropRate;
    }

    /** Lets messages pass only within one side of the partition. */
    public static Filter partition(Set<Long> sideA, Set<Long> sideB) {
        return (from, to, m) -> !(sideA.contains(from) && sideB.contains(to))
                && !(sideB.contains(from) && sideA.contains(to));
    }

    private final SimLoop loop;
    private final Random random;
    private final long minDelayMs;
    private final long maxDelayMs;
    private final LongFunction<SimStore> stores;
    private final List<Filter> filters = new ArrayList<>();
    private long delivered;
    private long snapshotsDelivered;
    private long dropped;

    SimNetwork(SimLoop loop, Random random, long minDelayMs, long maxDelayMs, LongFunction<SimStore> stores) {
        this.loop = loop;
        this.random = random;
        this.minDelayMs = minDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.stores = stores;
    }

    public void addFilter(Filter filter) {
        filters.add(filter);
    }

    public void clearFilters() {
        filters.clear();
    }

    /** The transport of store {@code fromStore}. */
    Transport transportOf(long fromStore) {
        return message -> send(fromStore, message);
    }

    private void send(long fromStore, RaftMessage message) {
        long toStore = message.getToPeer().getStoreId();
        for (Filter filter : filters) {
            if (!filter.allows(fromStore, toStore, message)) {
                dropped++;
                reportSnapshot(fromStore, message, SnapshotStatus.FAILURE);
                return;
            }
        }
        long delay = minDelayMs + random.nextLong(maxDelayMs - minDelayMs + 1);
        loop.schedule(delay, () -> {
            SimStore target = stores.apply(toStore);
            if (target != null && target.isUp()) {
                delivered++;
                target.raftStore().onRaftMessage(message);
                if (message.getMessage().getMsgType() == MessageType.MsgSnapshot) {
                    snapshotsDelivered++;
                }
                reportSnapshot(fromStore, message, SnapshotStatus.FINISH);
            } else {
                dropped++;
                reportSnapshot(fromStore, message, SnapshotStatus.FAILURE);
            }
        });
    }

    /** As a real transport does: the sender learns whether its snapshot got through. */
    private void reportSnapshot(long fromStore, RaftMessage message, SnapshotStatus status) {
        if (message.getMessage().getMsgType() != MessageType.MsgSnapshot) {
            return;
        }
        SimStore sender = stores.apply(fromStore);
        if (sender != null && sender.isUp()) {
            sender.raftStore().onSnapshotStatus(message.getRegionId(), message.getToPeer().getId(), status);
        }
    }

    public long delivered() {
        return delivered;
    }

    public long snapshotsDelivered() {
        return snapshotsDelivered;
    }

    public long dropped() {
        return dropped;
    }

    /** A random delay for client traffic, which the fault filters do not touch. */
    long clientDelayMs() {
        return minDelayMs + random.nextLong(maxDelayMs - minDelayMs + 1);
    }

}
