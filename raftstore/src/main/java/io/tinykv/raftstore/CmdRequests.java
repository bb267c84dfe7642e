package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.storage.Cf;

/**
 * What one request of a command names: its column family and its key. The peer checks them before
 * proposing, the apply again before writing, and the lease reads off the Raft thread before reading.
 */
public final class CmdRequests {

    private CmdRequests() {}

    /** Null when the request names a known column family (or none), else what is wrong. */
    public static String checkCf(Request r) {
        String name = switch (r.getCmdType()) {
            case Get -> r.getGet().getCf();
            case Put -> r.getPut().getCf();
            case Delete -> r.getDelete().getCf();
            case DeleteRange -> r.getDeleteRange().getCf();
            default -> "";
        };
        try {
            Cf.fromApiName(name);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The key a request touches, or null for requests without one (Snap, DeleteRange). */
    public static ByteString keyOf(Request r) {
        return switch (r.getCmdType()) {
            case Get -> r.getGet().getKey();
            case Put -> r.getPut().getKey();
            case Delete -> r.getDelete().getKey();
            default -> null;
        };
    }
}
