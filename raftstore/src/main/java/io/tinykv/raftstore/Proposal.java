package io.tinykv.raftstore;

/**
 * A write proposed by this peer as leader: the log position its entry took and who waits for it.
 * When the entry at {@code index} is applied with {@code term}, the callback gets the response;
 * when another entry is applied there (a new leader overwrote it), it gets StaleCommand.
 */
record Proposal(long index, long term, Callback callback) {}
