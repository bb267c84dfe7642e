package io.tinykv.scheduler.http;

import io.tinykv.proto.Metapb;

/**
 * A peer as PD's HTTP API shows it ({@code metapb.Peer} plus {@code role_name}); zero fields are
 * left out as Go's {@code omitempty} does, so an unknown leader shows as {@code {"role_name":"Voter"}}.
 */
public record PeerView(Long id, Long storeId, Integer role, String roleName, Boolean isLearner) {

    public static PeerView of(Metapb.Peer peer) {
        boolean learner = peer.getRole() == Metapb.PeerRole.Learner;
        return new PeerView(
                PdJson.nonZero(peer.getId()),
                PdJson.nonZero(peer.getStoreId()),
                peer.getRoleValue() == 0 ? null : peer.getRoleValue(),
                peer.getRole().name(),
                learner ? Boolean.TRUE : null);
    }
}
