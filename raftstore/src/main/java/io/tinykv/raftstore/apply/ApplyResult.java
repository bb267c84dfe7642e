package io.tinykv.raftstore.apply;

import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.peer.Peer;
import java.util.List;

/**
 * What applying an admin entry changes in the peer that applied it (TiKV's {@code ExecResult}). The
 * {@link Applier} writes the entry's effects to the kv batch and hands this back; the {@link Peer}
 * changes itself ({@link Peer#onApplyResult}), so only the peer ever writes its own region, Raft
 * configuration and flags. The peer takes each result before the next entry is applied: a later
 * entry of the same batch is checked against the region as this one left it.
 *
 * <p>CompactLog has no result here: it only moves the truncated state, which is part of the apply
 * state the peer takes once the batch is written.
 */
public sealed interface ApplyResult {

    /**
     * A membership change refused at apply time (stale epoch, a second peer on one store, a voter to
     * be demoted): Raft is told of an empty change, which ends its pending conf change.
     */
    record ConfChangeRefused() implements ApplyResult {}

    /**
     * A membership change applied: Raft takes {@code raftChange}; the region becomes {@code region},
     * or stays as it was when {@code region} is null (a duplicate the scheduler re-sent).
     *
     * @param removed the peer the change removed, or null: when it is this one, the replica leaves
     *     the store
     */
    record ConfChangeApplied(ConfChange raftChange, Metapb.Region region, Metapb.Peer removed) implements ApplyResult {}

    /**
     * A split applied: the region shrank to {@code shrunk}, {@code newRegions} were cut off it (the
     * store creates their peers once the batch is written).
     */
    record SplitApplied(Metapb.Region shrunk, List<Metapb.Region> newRegions) implements ApplyResult {

        public SplitApplied {
            newRegions = List.copyOf(newRegions);
        }
    }
}
