package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.List;

/**
 * Everything the application must do for one round: persist {@code snapshot} (if any),
 * {@code hardState} (if changed) and {@code entries}; only then send {@code messages}; apply
 * {@code committedEntries} in order; finally call {@link RawNode#advance(Ready)}.
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
    List<Message> messages) {
  public Ready {
    readStates = List.copyOf(readStates);
    entries = List.copyOf(entries);
    committedEntries = List.copyOf(committedEntries);
    messages = List.copyOf(messages);
  }

  /** True when the Ready asks nothing of the application. */
  public boolean isEmpty() {
    return softState == null
        && hardState == null
        && snapshot == null
        && readStates.isEmpty()
        && entries.isEmpty()
        && committedEntries.isEmpty()
        && messages.isEmpty();
  }
}
