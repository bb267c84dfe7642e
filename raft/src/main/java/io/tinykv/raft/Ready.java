package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.List;

/**
 * Everything the application must do for one round: persist {@code snapshot} (if any),
 * {@code hardState} (if changed) and {@code entries}, synced when {@code mustSync}; send
 * {@code messagesBeforePersist} at any time, even before persisting; only after persisting send
 * {@code messages}; apply {@code committedEntries} in order; finally call
 * {@link RawNode#advance(Ready)}.
 *
 * <p>{@code messagesBeforePersist} are a leader's appends and heartbeats in a round that does not
 * change its term or vote: they promise nothing about the leader's own disk (Raft thesis
 * §10.2.1), because the leader counts itself toward a commit quorum only once {@code advance}
 * reports its entries persisted. {@code messages} (acknowledgements, votes, everything else) state
 * what the sender holds, so they leave only once it is durable (DESIGN.md §6).
 *
 * <p>{@code mustSync} is false when the only change to persist is the hard state's commit index
 * (etcd's MustSync rule): the commit index is a fact a quorum already holds, and a restarted node
 * recovers it as at least its applied index. It is true for new entries or a new term or vote.
 *
 * <p>{@code softState} and {@code hardState} are null when unchanged since the last Ready;
 * {@code snapshot} is null when there is none. The lists are never null and are immutable.
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        List<ReadState> readStates,
        List<Entry> entries,
        Snapshot snapshot,
        List<Entry> committedEntries,
        List<Message> messages,
        List<Message> messagesBeforePersist,
        boolean mustSync) {
    public Ready {
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
        messagesBeforePersist = List.copyOf(messagesBeforePersist);
    }

    /**
     * A Ready whose messages all wait for the persist, synced whenever there is anything to persist:
     * the conservative form, for tests and tools that build one by hand.
     */
    public Ready(
            SoftState softState,
            HardState hardState,
            List<ReadState> readStates,
            List<Entry> entries,
            Snapshot snapshot,
            List<Entry> committedEntries,
            List<Message> messages) {
        this(
                softState,
                hardState,
                readStates,
                entries,
                snapshot,
                committedEntries,
                messages,
                List.of(),
                hardState != null || !entries.isEmpty() || snapshot != null);
    }

    /** True when the Ready asks nothing of the application. */
    public boolean isEmpty() {
        return softState == null
                && hardState == null
                && snapshot == null
                && readStates.isEmpty()
                && entries.isEmpty()
                && committedEntries.isEmpty()
                && messages.isEmpty()
                && messagesBeforePersist.isEmpty();
    }

    /**
     * etcd's MustSync rule: a hard state must be synced when its term or vote changed, or when new
     * entries come with it; a change of the commit index alone need not be.
     */
    static boolean mustSync(HardState current, HardState previous, int newEntries) {
        return newEntries > 0 || current.getTerm() != previous.getTerm() || current.getVote() != previous.getVote();
    }
}
