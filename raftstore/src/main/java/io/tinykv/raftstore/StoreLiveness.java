package io.tinykv.raftstore;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.ExtraMessage;
import io.tinykv.proto.RaftServerpb.ExtraMessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.peer.Hibernation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Whether the other stores are alive, for the idle regions ({@link Hibernation}): an idle region
 * exchanges no Raft message, so a follower cannot tell an idle leader from a dead one by what its
 * region hears. Every {@code hibernate-check-ticks} each store pings every store that holds a peer
 * of one of its regions — one message per store, however many regions — and a store none of whose
 * pings arrived for more than {@link #SILENT_AFTER_CHECKS} intervals is <em>silent</em>: the idle
 * peers of regions with a peer there wake (a SIGKILLed process, a partition that drops packets
 * silently, a stopped process all look alike). A woken follower whose leader is gone campaigns
 * after an election timeout, as it would have without hibernation.
 *
 * <p>Ticks and checks run on the Raft thread; pings arrive on any thread.
 */
final class StoreLiveness {

    /**
     * A store is silent after this many ping intervals without a ping: one lost or late ping (a
     * loaded machine, a GC pause) does not wake every region with a peer there.
     */
    static final int SILENT_AFTER_CHECKS = 2;

    private final long storeId;
    private final int checkTicks;
    /** This store's ticks; read by the threads that take pings. */
    private volatile long nowTicks;

    private int ticksSincePing;
    /** Store id to the tick at which its last ping arrived (or it was first watched). */
    private final Map<Long, Long> lastHeardTick = new ConcurrentHashMap<>();
    /** The stores found silent and not heard from since: each wakes the regions once. */
    private final Set<Long> silent = ConcurrentHashMap.newKeySet();

    StoreLiveness(long storeId, int checkTicks) {
        this.storeId = storeId;
        this.checkTicks = checkTicks;
    }

    /** How long a store was silent at least when it is found silent, in ticks. */
    long silentTicks() {
        return (long) SILENT_AFTER_CHECKS * checkTicks;
    }

    /** A ping from {@code fromStore} arrived. Any thread. */
    void onPing(long fromStore) {
        lastHeardTick.put(fromStore, nowTicks);
        silent.remove(fromStore);
    }

    /** Whether {@code message} is a store ping (it is for no region). */
    static boolean isPing(RaftMessage message) {
        return message.getRegionId() == 0
                && message.hasExtra()
                && message.getExtra().getType() == ExtraMessageType.MsgStorePing;
    }

    /**
     * One tick of the store. Every {@code checkTicks} it pings the {@code watched} stores (those
     * holding peers of this store's regions) through {@code transport}; it returns the stores that
     * have just become silent, whose regions' idle peers are to wake.
     */
    List<Long> onTick(Supplier<Set<Long>> watched, Transport transport) {
        long now = ++nowTicks;
        if (++ticksSincePing >= checkTicks) {
            ticksSincePing = 0;
            Set<Long> watchedStores = watched.get();
            for (long store : watchedStores) {
                lastHeardTick.putIfAbsent(store, now);
                transport.send(ping(store));
            }
            lastHeardTick.keySet().retainAll(watchedStores);
            silent.retainAll(watchedStores);
        }
        List<Long> newlySilent = new ArrayList<>();
        long limit = silentTicks();
        for (Map.Entry<Long, Long> e : lastHeardTick.entrySet()) {
            if (now - e.getValue() > limit && silent.add(e.getKey())) {
                newlySilent.add(e.getKey());
            }
        }
        return newlySilent;
    }

    private RaftMessage ping(long toStore) {
        return RaftMessage.newBuilder()
                .setFromPeer(Metapb.Peer.newBuilder().setStoreId(storeId))
                .setToPeer(Metapb.Peer.newBuilder().setStoreId(toStore))
                .setExtra(ExtraMessage.newBuilder().setType(ExtraMessageType.MsgStorePing))
                .build();
    }
}
