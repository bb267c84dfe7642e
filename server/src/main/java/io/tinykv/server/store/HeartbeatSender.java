package io.tinykv.server.store;

import io.grpc.stub.StreamObserver;
import io.tinykv.client.BackoffSchedule;
import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.pd.SchedulerReporter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a store's heartbeats to the scheduler without ever blocking the Raft thread that hands
 * them over: region heartbeats wait in a bounded queue (when it is full the oldest is dropped and
 * counted; the region sends a fresh one soon) and go out over one long-lived {@code RegionHeartbeat}
 * stream, reopened with a growing pause when it breaks — at once, not only when the next heartbeat
 * is due, since leaders heartbeat an unchanged region only once a minute and the scheduler pushes
 * operators on this stream; every response on it (an operator for a region) is handed to
 * {@code onResponse}. When a stream is opened in place of a broken one, {@code onReconnect} runs:
 * the scheduler on the other end may be a restarted one that knows no region's leader (leaders are
 * not persisted), so the raftstore heartbeats every region it leads (as TiKV does on reconnecting
 * to PD). The latest store statistics go out as
 * {@code StoreHeartbeat} calls. One sender thread does all the network work.
 *
 * <p>It also logs what the heartbeats reveal and the raftstore does not log itself: a region's
 * leader changing and its membership changing.
 */
public final class HeartbeatSender implements SchedulerReporter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSender.class);
    /** The sender wakes up at least this often to notice a broken stream or a close. */
    private static final long IDLE_WAKE_MILLIS = 500;

    /** What the sender reports about itself (metrics). */
    public interface Listener {
        void regionHeartbeatDropped();

        void regionHeartbeatSent();

        void streamBroken();

        Listener NONE = new Listener() {
            @Override
            public void regionHeartbeatDropped() {}

            @Override
            public void regionHeartbeatSent() {}

            @Override
            public void streamBroken() {}
        };
    }

    private final StorePdClient scheduler;
    private final Consumer<Pdpb.RegionHeartbeatResponse> onResponse;
    private final Runnable onReconnect;
    private final int queueCapacity;
    /** The waits before reopening a broken stream: the scheduler client's. */
    private final BackoffSchedule reconnectSchedule;

    private final Listener listener;
    private final LongSupplier nanoClock;
    private final SchedulerReachLog reach;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Deque<Pdpb.RegionHeartbeatRequest> regionQueue = new ArrayDeque<>(); // guarded by lock
    private Pdpb.StoreStats pendingStoreStats; // guarded by lock
    private long dropped; // guarded by lock
    private boolean closed; // guarded by lock

    /** Owned by the sender thread. */
    private StreamObserver<Pdpb.RegionHeartbeatRequest> stream;
    /** Numbers the streams, so that the end of an old one is never taken for the current one's. */
    private long generation;

    private volatile long brokenGeneration = -1;
    /** The scheduler the current stream was opened to. */
    private String streamEndpoint = "";
    /** Reconnects since the last stream that lived long enough to count as healthy. */
    private int reconnects;

    private long reconnectAtNanos;
    private long openedAtNanos;
    /**
     * The scheduler's message once it answered a store heartbeat with STORE_TOMBSTONE: the store
     * was taken offline and all its replicas moved away. Written by a gRPC thread.
     */
    private volatile String tombstone;
    /** The last leader and membership logged per region; sender thread only. */
    private final Map<Long, RegionView> lastSeen = new HashMap<>();

    private record RegionView(long leaderStoreId, long leaderPeerId, Metapb.RegionEpoch epoch, int peers) {}

    /**
     * @param onResponse gets every scheduler response, on a gRPC thread
     * @param nanoClock monotonic time for the reconnect backoff (production: {@code System::nanoTime})
     * @param threadFactory makes the one sender thread
     */
    public HeartbeatSender(
            StorePdClient scheduler,
            Consumer<Pdpb.RegionHeartbeatResponse> onResponse,
            int queueCapacity,
            Listener listener,
            LongSupplier nanoClock,
            ThreadFactory threadFactory) {
        this(scheduler, onResponse, () -> {}, queueCapacity, listener, nanoClock, threadFactory);
    }

    /**
     * @param onReconnect runs on the sender thread each time a stream is opened in place of a
     *     broken one (not for the first); must not block
     */
    public HeartbeatSender(
            StorePdClient scheduler,
            Consumer<Pdpb.RegionHeartbeatResponse> onResponse,
            Runnable onReconnect,
            int queueCapacity,
            Listener listener,
            LongSupplier nanoClock,
            ThreadFactory threadFactory) {
        this.onReconnect = Objects.requireNonNull(onReconnect, "onReconnect");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.onResponse = Objects.requireNonNull(onResponse, "onResponse");
        if (queueCapacity <= 0) {
            throw new IllegalArgumentException("queueCapacity must be > 0, got " + queueCapacity);
        }
        this.queueCapacity = queueCapacity;
        this.reconnectSchedule = scheduler.retrySchedule();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.reach = new SchedulerReachLog(nanoClock, SchedulerReachLog.DEFAULT_REPEAT_NANOS);
        this.thread = threadFactory.newThread(this::run);
        thread.start();
    }

    /**
     * What the scheduler said when it answered that this store is a tombstone (it was taken
     * offline and holds no replica any more), or empty. A tombstone never comes back up: the
     * store should stop. Any thread.
     */
    public Optional<String> tombstone() {
        return Optional.ofNullable(tombstone);
    }

    /** Queues a leader's heartbeat; never blocks. Any thread. */
    @Override
    public void regionHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat) {
        boolean drop;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            drop = regionQueue.size() >= queueCapacity;
            if (drop) {
                regionQueue.pollFirst();
                dropped++;
            }
            regionQueue.addLast(heartbeat);
            work.signal();
        } finally {
            lock.unlock();
        }
        if (drop) {
            listener.regionHeartbeatDropped();
        }
    }

    /** Asks for split ids on a gRPC call of its own; never blocks. */
    @Override
    public void askBatchSplit(
            Metapb.Region region, int splitCount, java.util.function.Consumer<Pdpb.AskBatchSplitResponse> answer) {
        try {
            scheduler.askBatchSplitAsync(region, splitCount, answer);
        } catch (RuntimeException e) {
            LOG.warn("AskBatchSplit for region {} could not be sent: {}", region.getId(), e.getMessage());
            answer.accept(null);
        }
    }

    @Override
    public void reportBatchSplit(java.util.List<Metapb.Region> regions) {
        try {
            scheduler.reportBatchSplitAsync(regions);
        } catch (RuntimeException e) {
            LOG.debug("ReportBatchSplit could not be sent: {}", e.getMessage());
        }
    }

    /** Replaces the store statistics waiting to be sent; never blocks. Any thread. */
    @Override
    public void storeHeartbeat(Pdpb.StoreStats stats) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            pendingStoreStats = stats;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Region heartbeats dropped because the queue was full. */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Pdpb.RegionHeartbeatRequest region;
            Pdpb.StoreStats store;
            lock.lock();
            try {
                while (!closed && regionQueue.isEmpty() && pendingStoreStats == null && !streamToReopen()) {
                    work.await(IDLE_WAKE_MILLIS, TimeUnit.MILLISECONDS);
                }
                if (closed) {
                    break;
                }
                store = pendingStoreStats;
                pendingStoreStats = null;
                region = regionQueue.pollFirst();
            } catch (InterruptedException e) {
                break;
            } finally {
                lock.unlock();
            }
            // Network work happens outside the lock: callers never wait for it.
            if (store != null) {
                sendStoreHeartbeat(store);
            }
            if (region != null) {
                if (ensureStream()) {
                    sendRegionHeartbeat(region);
                } else {
                    requeue(region);
                    waitForReconnect();
                }
            } else if (store == null && !ensureStream()) {
                waitForReconnect();
            }
        }
        closeStream();
    }

    /**
     * Whether a stream was open once and is now broken or not yet reopened: it is reopened without
     * waiting for a heartbeat to send. Sender thread only.
     */
    private boolean streamToReopen() {
        return generation > 0 && (stream == null || brokenGeneration == generation);
    }

    /** Puts back a heartbeat that could not be sent yet, unless newer ones filled the queue. */
    private void requeue(Pdpb.RegionHeartbeatRequest heartbeat) {
        boolean drop;
        lock.lock();
        try {
            drop = regionQueue.size() >= queueCapacity;
            if (drop) {
                dropped++;
            } else {
                regionQueue.addFirst(heartbeat);
            }
        } finally {
            lock.unlock();
        }
        if (drop) {
            listener.regionHeartbeatDropped();
        }
    }

    /** Whether a stream is open (opening one when the backoff allows). Sender thread only. */
    private boolean ensureStream() {
        if (stream != null && brokenGeneration == generation) {
            closeStream();
            listener.streamBroken();
            // A stream that lived a while was healthy: start the backoff over.
            if (nanoClock.getAsLong() - openedAtNanos > TimeUnit.MILLISECONDS.toNanos(reconnectSchedule.maxSleepMs())) {
                reconnects = 0;
            }
            scheduleReconnect();
        }
        if (stream != null) {
            return true;
        }
        if (nanoClock.getAsLong() - reconnectAtNanos < 0) {
            return false;
        }
        long streamGeneration = ++generation;
        try {
            streamEndpoint = scheduler.endpoint();
            stream = scheduler.asyncStub().regionHeartbeat(new StreamObserver<>() {
                @Override
                public void onNext(Pdpb.RegionHeartbeatResponse response) {
                    if (response.hasHeader()
                            && response.getHeader().hasError()
                            && response.getHeader().getError().getType() != Pdpb.ErrorType.OK) {
                        LOG.warn(
                                "the scheduler answered a region heartbeat with {}",
                                response.getHeader().getError());
                        return;
                    }
                    try {
                        onResponse.accept(response);
                    } catch (RuntimeException e) {
                        LOG.warn("handling the scheduler's response for region {} failed", response.getRegionId(), e);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    if (!isClosed()) {
                        LOG.warn("region heartbeat stream to the scheduler broke: {}", t.toString());
                    }
                    brokenGeneration = streamGeneration;
                }

                @Override
                public void onCompleted() {
                    if (!isClosed()) {
                        LOG.info("the scheduler ended the region heartbeat stream");
                    }
                    brokenGeneration = streamGeneration;
                }
            });
            openedAtNanos = nanoClock.getAsLong();
            if (streamGeneration > 1) {
                onReconnect.run();
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warn("cannot open the region heartbeat stream: {}", e.toString());
            scheduleReconnect();
            return false;
        }
    }

    private void scheduleReconnect() {
        reconnects++;
        reconnectAtNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(reconnectSchedule.sleepMs(reconnects));
        scheduler.endpointFailed(streamEndpoint.isEmpty() ? scheduler.endpoint() : streamEndpoint);
    }

    /** Sleeps until the reconnect time or a close, whichever is first. Sender thread only. */
    private void waitForReconnect() {
        lock.lock();
        try {
            long waitNanos = reconnectAtNanos - nanoClock.getAsLong();
            if (!closed && waitNanos > 0) {
                work.awaitNanos(waitNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void sendRegionHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat) {
        logChanges(heartbeat);
        try {
            stream.onNext(heartbeat.toBuilder().setHeader(scheduler.header()).build());
            listener.regionHeartbeatSent();
        } catch (RuntimeException e) {
            LOG.warn("sending a region heartbeat failed: {}", e.toString());
            closeStream();
            scheduleReconnect();
        }
    }

    private void sendStoreHeartbeat(Pdpb.StoreStats stats) {
        try {
            scheduler
                    .asyncStub()
                    .storeHeartbeat(
                            Pdpb.StoreHeartbeatRequest.newBuilder()
                                    .setHeader(scheduler.header())
                                    .setStats(stats)
                                    .build(),
                            new StreamObserver<>() {
                                @Override
                                public void onNext(Pdpb.StoreHeartbeatResponse response) {
                                    reach.reached(scheduler.endpoint());
                                    Pdpb.Error error = response.getHeader().getError();
                                    if (error.getType() == Pdpb.ErrorType.STORE_TOMBSTONE) {
                                        tombstone = error.getMessage();
                                    } else if (response.getHeader().hasError()
                                            && error.getType() != Pdpb.ErrorType.OK) {
                                        LOG.warn("the scheduler refused a store heartbeat: {}", error);
                                    }
                                }

                                @Override
                                public void onError(Throwable t) {
                                    if (!reach.failed(scheduler.endpoint(), "store heartbeats", t)) {
                                        LOG.debug("store heartbeat failed: {}", t.toString());
                                    }
                                }

                                @Override
                                public void onCompleted() {}
                            });
        } catch (RuntimeException e) {
            if (!reach.failed(scheduler.endpoint(), "store heartbeats", e)) {
                LOG.debug("store heartbeat failed: {}", e.toString());
            }
        }
    }

    /** Logs a region's new leader or membership the first time its heartbeat shows it. */
    private void logChanges(Pdpb.RegionHeartbeatRequest heartbeat) {
        Metapb.Region region = heartbeat.getRegion();
        RegionView now = new RegionView(
                heartbeat.getLeader().getStoreId(),
                heartbeat.getLeader().getId(),
                region.getRegionEpoch(),
                region.getPeersCount());
        RegionView before = lastSeen.put(region.getId(), now);
        if (before == null || before.leaderPeerId() != now.leaderPeerId()) {
            LOG.info(
                    "region {}: leader is peer {} on store {} (term {})",
                    region.getId(),
                    now.leaderPeerId(),
                    now.leaderStoreId(),
                    heartbeat.getTerm());
        }
        if (before != null && before.epoch().getConfVer() != now.epoch().getConfVer()) {
            LOG.info(
                    "region {}: membership changed (conf version {} -> {}): peers {}",
                    region.getId(),
                    before.epoch().getConfVer(),
                    now.epoch().getConfVer(),
                    describePeers(region));
        }
    }

    private static String describePeers(Metapb.Region region) {
        StringBuilder out = new StringBuilder("[");
        for (Metapb.Peer peer : region.getPeersList()) {
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(peer.getId()).append('@').append(peer.getStoreId());
            if (peer.getRole() == Metapb.PeerRole.Learner) {
                out.append(" (learner)");
            }
        }
        return out.append(']').toString();
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.onCompleted();
            } catch (RuntimeException e) {
                LOG.debug("closing the region heartbeat stream: {}", e.toString());
            }
            stream = null;
        }
    }

    /** Stops the sender thread and ends the stream; heartbeats still queued are dropped. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
