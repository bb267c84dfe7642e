package io.tinykv.raftstore.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.Transport;
import io.tinykv.raftstore.snapshot.SnapshotFileReader;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * The in-memory network between the simulated stores: each message is delivered after a random
 * delay, unless a fault filter drops it. Filters model loss and partitions; delivery to a store
 * that is down is a loss too. A snapshot message carries its SST files along: on delivery they are
 * copied in chunks from the sender's snapshot directory into the receiver's, through the same
 * {@link SnapshotReceiver} checks as the gRPC transport (a chunk filter can damage them in transit).
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
        return (from, to, m) ->
                !(sideA.contains(from) && sideB.contains(to)) && !(sideB.contains(from) && sideA.contains(to));
    }

    private final SimLoop loop;
    private final Random random;
    private final long minDelayMs;
    private final long maxDelayMs;
    private final LongFunction<SimStore> stores;
    private final List<Filter> filters = new ArrayList<>();
    private long delivered;
    private long snapshotsDelivered;
    private long snapshotsRefused;
    private long snapshotBytesDelivered;
    private long dropped;
    private UnaryOperator<ByteString> snapshotChunkFilter = UnaryOperator.identity();
    private String lastSnapshotRefusal;

    /** Bytes of snapshot file data per chunk: small, so that files travel in several. */
    static final int SNAPSHOT_CHUNK_BYTES = 4 * 1024;

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

    /** Passes every chunk of snapshot file data through {@code filter} (identity: untouched). */
    public void setSnapshotChunkFilter(UnaryOperator<ByteString> filter) {
        this.snapshotChunkFilter = filter;
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
                if (message.getMessage().getMsgType() == MessageType.MsgSnapshot) {
                    try {
                        snapshotBytesDelivered += copySnapshotFiles(fromStore, target, message);
                    } catch (IllegalArgumentException e) {
                        dropped++;
                        snapshotsRefused++;
                        lastSnapshotRefusal = e.getMessage();
                        reportSnapshot(fromStore, message, SnapshotStatus.FAILURE);
                        return;
                    }
                    snapshotsDelivered++;
                }
                delivered++;
                target.onRaftMessage(message);
                reportSnapshot(fromStore, message, SnapshotStatus.FINISH);
            } else {
                dropped++;
                reportSnapshot(fromStore, message, SnapshotStatus.FAILURE);
            }
        });
    }

    /**
     * Streams a snapshot's files from the sender's directory into the receiver's, checked.
     *
     * @return the bytes copied
     * @throws IllegalArgumentException when the files are gone or arrive damaged
     */
    private long copySnapshotFiles(long fromStore, SimStore target, RaftMessage message) {
        SimStore sender = stores.apply(fromStore);
        if (!sender.isUp()) {
            throw new IllegalArgumentException("store " + fromStore + " died while sending its snapshot");
        }
        SnapshotManager source = sender.snapshotManager();
        try (SnapshotFileReader files = SnapshotFileReader.open(source, message, SNAPSHOT_CHUNK_BYTES);
                SnapshotReceiver receiver =
                        SnapshotReceiver.start(target.raftStore().snapshotManager(), message, Long.MAX_VALUE)) {
            while (files.hasNext()) {
                receiver.accept(snapshotChunkFilter.apply(files.next()));
            }
            receiver.finish();
            return files.totalBytes();
        }
    }

    /** As a real transport does: the sender learns whether its snapshot got through. */
    private void reportSnapshot(long fromStore, RaftMessage message, SnapshotStatus status) {
        if (message.getMessage().getMsgType() != MessageType.MsgSnapshot) {
            return;
        }
        SimStore sender = stores.apply(fromStore);
        if (sender != null && sender.isUp()) {
            sender.onSnapshotStatus(message.getRegionId(), message.getToPeer().getId(), status);
        }
    }

    public long delivered() {
        return delivered;
    }

    public long snapshotsDelivered() {
        return snapshotsDelivered;
    }

    /** Snapshots the receiving side refused (damaged or truncated files). */
    public long snapshotsRefused() {
        return snapshotsRefused;
    }

    /** Why the last refused snapshot was refused, or null. */
    public String lastSnapshotRefusal() {
        return lastSnapshotRefusal;
    }

    public long snapshotBytesDelivered() {
        return snapshotBytesDelivered;
    }

    public long dropped() {
        return dropped;
    }

    /** A random delay for client traffic, which the fault filters do not touch. */
    long clientDelayMs() {
        return minDelayMs + random.nextLong(maxDelayMs - minDelayMs + 1);
    }
}
