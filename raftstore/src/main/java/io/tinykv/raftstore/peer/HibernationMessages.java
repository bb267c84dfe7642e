package io.tinykv.raftstore.peer;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.ExtraMessage;
import io.tinykv.proto.RaftServerpb.ExtraMessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of {@link Hibernation}'s messages: Raft store messages carrying an {@code
 * ExtraMessage} and no Raft message, sent between the peers of one region outside Raft. Each names
 * the region id and its epoch as the sender knows them, so the receiving store routes it like a Raft
 * message.
 */
final class HibernationMessages {

    private HibernationMessages() {}

    /** A leader's poll: one {@code MsgHibernateRequest} at {@code term} and {@code index} to each of {@code others}. */
    static List<RaftMessage> requests(
            long regionId,
            Metapb.RegionEpoch epoch,
            Metapb.Peer from,
            List<Metapb.Peer> others,
            long term,
            long index) {
        List<RaftMessage> requests = new ArrayList<>(others.size());
        for (Metapb.Peer to : others) {
            requests.add(message(regionId, epoch, from, to, ExtraMessageType.MsgHibernateRequest, term, index));
        }
        return requests;
    }

    /** A follower's agreement to its leader's poll at {@code term} and {@code index}. */
    static RaftMessage response(
            long regionId, Metapb.RegionEpoch epoch, Metapb.Peer from, Metapb.Peer leader, long term, long index) {
        return message(regionId, epoch, from, leader, ExtraMessageType.MsgHibernateResponse, term, index);
    }

    /** A woken follower telling its leader to wake (and heartbeat) too. */
    static RaftMessage wakeUp(
            long regionId, Metapb.RegionEpoch epoch, Metapb.Peer from, Metapb.Peer leader, long term) {
        return message(regionId, epoch, from, leader, ExtraMessageType.MsgRegionWakeUp, term, 0);
    }

    private static RaftMessage message(
            long regionId,
            Metapb.RegionEpoch epoch,
            Metapb.Peer from,
            Metapb.Peer to,
            ExtraMessageType type,
            long term,
            long index) {
        return RaftMessage.newBuilder()
                .setRegionId(regionId)
                .setFromPeer(from)
                .setToPeer(to)
                .setRegionEpoch(epoch)
                .setExtra(ExtraMessage.newBuilder().setType(type).setTerm(term).setIndex(index))
                .build();
    }
}
