package io.tinykv.raftstore;

import io.tinykv.proto.RaftCmdpb.RaftCmdResponse;
import io.tinykv.storage.SnapshotReader;

/**
 * The outcome of a Raft command: the response (whose header carries any region error) and, for a
 * successful {@code Snap} request, a kv-engine snapshot taken after the read index was applied.
 * The receiver owns the snapshot and must close it.
 *
 * @param snapshot null unless the command was a successful Snap
 */
public record CmdResult(RaftCmdResponse response, SnapshotReader snapshot) {

    public static CmdResult of(RaftCmdResponse response) {
        return new CmdResult(response, null);
    }

    public boolean isError() {
        return response.getHeader().hasError();
    }
}
