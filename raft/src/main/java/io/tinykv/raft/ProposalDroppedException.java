package io.tinykv.raft;

/**
 * A proposal (data, conf change or read) was refused; the message says why: no leader known,
 * leadership transfer in progress, uncommitted bytes over the limit, a conf change already pending,
 * or this node is no longer a member. The caller may retry later, possibly at another node.
 */
public final class ProposalDroppedException extends RaftException {
    public ProposalDroppedException(String message) {
        super(message);
    }
}
