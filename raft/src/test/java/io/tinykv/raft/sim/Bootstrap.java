package io.tinykv.raft.sim;

import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.raft.MemoryStorage;
import java.util.Collection;

/**
 * Builds the "disk" of a node that is part of the initial configuration: a snapshot at a fixed index
 * holding the configuration (the way TinyKV bootstraps a region) and a matching hard state. Nodes
 * added later start from an empty {@link MemoryStorage} and receive a snapshot from the leader.
 */
public final class Bootstrap {
    /** Index and term of the bootstrap snapshot; the first entry any leader appends is at index + 1. */
    public static final long DEFAULT_INDEX = 1;

    public static final long DEFAULT_TERM = 1;

    private Bootstrap() {}

    public static MemoryStorage storage(Collection<Long> voters, Collection<Long> learners) {
        return storage(voters, learners, DEFAULT_INDEX, DEFAULT_TERM);
    }

    public static MemoryStorage storage(Collection<Long> voters, Collection<Long> learners, long index, long term) {
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("bootstrap index and term must be positive, got " + index + "/" + term);
        }
        MemoryStorage storage = new MemoryStorage();
        ConfState conf = ConfState.newBuilder()
                .addAllVoters(voters)
                .addAllLearners(learners)
                .build();
        storage.applySnapshot(Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(index)
                        .setTerm(term)
                        .setConfState(conf))
                .build());
        storage.setHardState(
                HardState.newBuilder().setTerm(term).setCommit(index).build());
        return storage;
    }
}
