package io.tinykv.raftstore;

/**
 * Receives the duration of each stage of the write path the batch system times, one observation at
 * a time, so that a store can keep their distributions (Prometheus histograms): the means that
 * {@link RaftStoreStats} counts cannot show a tail. Called on the Raft thread; an implementation
 * must be cheap and must not block.
 */
public interface StageObserver {

    /**
     * A client command waited {@code nanos} from its arrival in its region's mailbox until the Raft
     * thread took it: the hop from the gRPC thread, and the rest of the round the Raft thread was in.
     */
    void commandWait(long nanos);

    /** One raft-engine write of a round took {@code nanos}; {@code synced} when it was fsynced. */
    void raftWrite(boolean synced, long nanos);

    /**
     * One proposal of this store's leader waited {@code nanos} from its proposal to the start of the
     * apply that settled it: the leader's fsync and a follower's round trip, in parallel, and the
     * wait for the round that saw the commit.
     */
    void proposalCommitWait(long nanos);

    /** One apply that settled proposals took {@code nanos}, their answers included. */
    void proposalApply(long nanos);

    /** Observes nothing (tests, the simulator). */
    StageObserver NONE = new StageObserver() {
        @Override
        public void commandWait(long nanos) {}

        @Override
        public void raftWrite(boolean synced, long nanos) {}

        @Override
        public void proposalCommitWait(long nanos) {}

        @Override
        public void proposalApply(long nanos) {}
    };
}
