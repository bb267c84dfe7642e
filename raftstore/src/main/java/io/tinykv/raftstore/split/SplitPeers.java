package io.tinykv.raftstore.split;

import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.peer.Peer;
import java.util.List;

/** The store's side of applying a split: which new regions it may create, and creating them. */
public interface SplitPeers {

    /**
     * Whether this store may take {@code region}, new from a split, as its own: false when a peer
     * of it here is initialized already (it got the region by snapshot, or this is a replay) or is
     * another peer than the split's (a later incarnation). A peer created empty by a message for the
     * same peer id does not stop it: it is replaced.
     */
    boolean mayCreate(Metapb.Region region);

    /**
     * After the kv batch holding the split is written: starts this store's peers of {@code created}
     * (those {@link #mayCreate} allowed). {@code all} is every region of the split, the shrunken
     * {@code origin} first. Raft thread.
     */
    void onSplitApplied(Peer origin, List<Metapb.Region> all, List<Metapb.Region> created);

    /** For appliers without a store around them (tests): creates nothing. */
    SplitPeers NONE = new SplitPeers() {
        @Override
        public boolean mayCreate(Metapb.Region region) {
            return true;
        }

        @Override
        public void onSplitApplied(Peer origin, List<Metapb.Region> all, List<Metapb.Region> created) {}
    };
}
