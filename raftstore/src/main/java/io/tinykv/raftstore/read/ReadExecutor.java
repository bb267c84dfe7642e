package io.tinykv.raftstore.read;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.CmdResult;

/**
 * Runs a read against the kv engine as of now (after its read index is applied, or while the lease
 * holds), checked against {@code region} as the replica knows it, answered at {@code term}.
 */
@FunctionalInterface
public interface ReadExecutor {
    CmdResult execute(RaftCmdRequest request, Metapb.Region region, long term);
}
