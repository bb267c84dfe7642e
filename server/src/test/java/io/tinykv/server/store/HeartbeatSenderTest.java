package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.Clock;
import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.security.ChannelFactory;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Heartbeats reach the scheduler in order over one stream, never block, and survive a broken stream. */
class HeartbeatSenderTest {

    private static final long TIMEOUT_MILLIS = 3_000;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration ATTEMPT_WAIT = Duration.ofMillis(500);
    /** Attempts of ATTEMPT_WAIT each: 30 s in all, a deadline only a broken sender comes near. */
    private static final int MAX_ATTEMPTS = 60;

    private static Pdpb.RegionHeartbeatRequest heartbeat(long regionId, long term) {
        Metapb.Peer leader =
                Metapb.Peer.newBuilder().setId(regionId + 1).setStoreId(1).build();
        return Pdpb.RegionHeartbeatRequest.newBuilder()
                .setRegion(Metapb.Region.newBuilder()
                        .setId(regionId)
                        .addPeers(leader)
                        .setRegionEpoch(
                                Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1)))
                .setLeader(leader)
                .setTerm(term)
                .build();
    }

    private static StorePdClient connect(FakeScheduler pd) {
        StorePdClient client = StorePdClient.connect(
                List.of(pd.address()), ChannelFactory.plaintext(), TIMEOUT_MILLIS, TIMEOUT_MILLIS, Clock.system());
        client.setSenderId(1);
        return client;
    }

    /** Counts what the sender reports. */
    private static final class Counts implements HeartbeatSender.Listener {
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong breaks = new AtomicLong();

        @Override
        public void regionHeartbeatDropped() {
            dropped.incrementAndGet();
        }

        @Override
        public void regionHeartbeatSent() {
            sent.incrementAndGet();
        }

        @Override
        public void streamBroken() {
            breaks.incrementAndGet();
        }
    }

    @Test
    void aFullQueueDropsTheOldestWithoutBlockingAndSendsTheRestInOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // The sender thread holds back until released: the queue fills deterministically meanwhile.
        ThreadFactory heldBack = r -> new Thread(
                () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    r.run();
                },
                "held-back-heartbeats");
        Counts counts = new Counts();
        try (FakeScheduler pd = new FakeScheduler(3);
                StorePdClient client = connect(pd);
                HeartbeatSender sender = new HeartbeatSender(client, r -> {}, 2, counts, System::nanoTime, heldBack)) {
            for (long term = 1; term <= 5; term++) {
                sender.regionHeartbeat(heartbeat(10, term));
            }
            assertThat(sender.dropped()).isEqualTo(3);
            assertThat(counts.dropped.get()).isEqualTo(3);

            release.countDown();
            Await.until(() -> pd.regionHeartbeats.size() == 2, WAIT, "the two newest heartbeats arrive");
            assertThat(pd.regionHeartbeats)
                    .extracting(Pdpb.RegionHeartbeatRequest::getTerm)
                    .containsExactly(4L, 5L);
            assertThat(pd.regionHeartbeats.get(0).getHeader().getClusterId()).isEqualTo(3);
            assertThat(pd.regionHeartbeats.get(0).getHeader().getSenderId()).isEqualTo(1);
        }
    }

    @Test
    void responsesReachTheStoreAndABrokenStreamIsReopened() throws Exception {
        List<Pdpb.RegionHeartbeatResponse> received = new CopyOnWriteArrayList<>();
        Counts counts = new Counts();
        try (FakeScheduler pd = new FakeScheduler(3);
                StorePdClient client = connect(pd);
                HeartbeatSender sender = new HeartbeatSender(
                        client,
                        received::add,
                        16,
                        counts,
                        System::nanoTime,
                        Thread.ofPlatform().daemon().factory())) {
            Pdpb.RegionHeartbeatResponse operator = Pdpb.RegionHeartbeatResponse.newBuilder()
                    .setRegionId(10)
                    .setTransferLeader(Pdpb.TransferLeader.newBuilder()
                            .setPeer(Metapb.Peer.newBuilder().setId(2).setStoreId(2)))
                    .build();
            pd.replyToHeartbeats = operator;
            sender.regionHeartbeat(heartbeat(10, 1));
            Await.until(() -> !received.isEmpty(), WAIT, "the scheduler's operator reaches the store");
            assertThat(received.get(0).getTransferLeader()).isEqualTo(operator.getTransferLeader());
            assertThat(pd.heartbeatStreams).hasSize(1);

            pd.breakHeartbeatStreams();
            // Heartbeats keep coming, as the raftstore sends them. One sent before the sender learnt of
            // the break is lost with the old stream; a later one opens a new stream and arrives.
            boolean arrived = false;
            for (long term = 2; term < 2 + MAX_ATTEMPTS && !arrived; term++) {
                long t = term;
                sender.regionHeartbeat(heartbeat(10, t));
                arrived = Await.holdsWithin(
                        () -> !pd.heartbeatStreams.isEmpty()
                                && pd.regionHeartbeats.stream().anyMatch(h -> h.getTerm() == t),
                        ATTEMPT_WAIT);
            }
            assertThat(arrived)
                    .as("a heartbeat after the break arrives on a new stream")
                    .isTrue();
            assertThat(counts.breaks.get()).isGreaterThanOrEqualTo(1);
            assertThat(counts.dropped.get()).isZero();
        }
    }

    /**
     * Leaders heartbeat an unchanged region only once a minute, and the scheduler pushes operators on
     * the stream: a broken stream is reopened without waiting for a heartbeat to send, and the store
     * is told (it then heartbeats every region it leads, for a restarted scheduler knows no leader).
     */
    @Test
    void aBrokenStreamIsReopenedWithoutAHeartbeatToSendAndTheStoreIsTold() throws Exception {
        AtomicLong reconnects = new AtomicLong();
        Counts counts = new Counts();
        try (FakeScheduler pd = new FakeScheduler(3);
                StorePdClient client = connect(pd);
                HeartbeatSender sender = new HeartbeatSender(
                        client,
                        r -> {},
                        reconnects::incrementAndGet,
                        16,
                        counts,
                        System::nanoTime,
                        Thread.ofPlatform().daemon().factory())) {
            sender.regionHeartbeat(heartbeat(10, 1));
            Await.until(() -> pd.regionHeartbeats.size() == 1, WAIT, "the first heartbeat opens a stream");
            assertThat(reconnects.get())
                    .as("the first stream is no reconnection")
                    .isZero();

            pd.breakHeartbeatStreams();

            Await.until(
                    () -> pd.heartbeatStreams.size() == 1 && reconnects.get() >= 1,
                    WAIT,
                    "a new stream opened, with no heartbeat queued");
            assertThat(counts.breaks.get()).isGreaterThanOrEqualTo(1);
            assertThat(pd.regionHeartbeats).as("nothing sent meanwhile").hasSize(1);
        }
    }

    @Test
    void storeStatisticsAreSentAsStoreHeartbeats() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(3);
                StorePdClient client = connect(pd);
                HeartbeatSender sender = new HeartbeatSender(
                        client,
                        r -> {},
                        16,
                        HeartbeatSender.Listener.NONE,
                        System::nanoTime,
                        Thread.ofPlatform().daemon().factory())) {
            sender.storeHeartbeat(
                    Pdpb.StoreStats.newBuilder().setStoreId(1).setRegionCount(4).build());
            Await.until(() -> !pd.storeHeartbeats.isEmpty(), WAIT, "the store heartbeat arrives");
            assertThat(pd.storeHeartbeats.get(0).getStats().getRegionCount()).isEqualTo(4);
            assertThat(pd.storeHeartbeats.get(0).getHeader().getClusterId()).isEqualTo(3);
            assertThat(sender.tombstone())
                    .as("an accepted heartbeat says nothing of a tombstone")
                    .isEmpty();
        }
    }

    /** A tombstone store learns it from its next store heartbeat, with the scheduler's words. */
    @Test
    void aStoreHeartbeatRefusedAsTombstoneIsReported() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(3);
                StorePdClient client = connect(pd);
                HeartbeatSender sender = new HeartbeatSender(
                        client,
                        r -> {},
                        16,
                        HeartbeatSender.Listener.NONE,
                        System::nanoTime,
                        Thread.ofPlatform().daemon().factory())) {
            pd.storeHeartbeatError = Pdpb.Error.newBuilder()
                    .setType(Pdpb.ErrorType.STORE_TOMBSTONE)
                    .setMessage("store 1 is a tombstone")
                    .build();
            sender.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(1).build());
            Await.until(() -> sender.tombstone().isPresent(), WAIT, "the tombstone answer is seen");
            assertThat(sender.tombstone()).contains("store 1 is a tombstone");
        }
    }
}
