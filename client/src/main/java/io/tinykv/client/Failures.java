package io.tinykv.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Pdpb;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

/** Short, human sentences for the failures the client reports. */
public final class Failures {
    private Failures() {}

    /** Why a gRPC call failed, e.g. "connection refused" or "no answer within 3000 ms". */
    public static String describe(StatusRuntimeException e, long timeoutMs) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException connect) {
                String message = connect.getMessage() == null ? "" : connect.getMessage();
                return message.toLowerCase(Locale.ROOT).contains("refused")
                        ? "connection refused"
                        : "cannot connect (" + message + ")";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        Status status = e.getStatus();
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return "no answer within " + timeoutMs + " ms";
        }
        return status.getDescription() == null
                ? status.getCode().toString()
                : status.getCode() + ": " + status.getDescription();
    }

    /** A PD header error, e.g. "NOT_BOOTSTRAPPED: cluster is not bootstrapped". */
    public static String describe(Pdpb.Error error) {
        return error.getMessage().isEmpty() ? error.getType().toString() : error.getType() + ": " + error.getMessage();
    }

    /** A region error by its kind, with the details a reader needs. */
    public static String describe(Errorpb.Error error) {
        String kind;
        if (error.hasNotLeader()) {
            var leader = error.getNotLeader().getLeader();
            kind = leader.getId() == 0
                    ? "not_leader (no leader known)"
                    : "not_leader (leader is peer " + leader.getId() + " on store " + leader.getStoreId() + ")";
        } else if (error.hasEpochNotMatch()) {
            kind = "epoch_not_match (" + error.getEpochNotMatch().getCurrentRegionsCount() + " current regions)";
        } else if (error.hasRegionNotFound()) {
            kind = "region_not_found";
        } else if (error.hasKeyNotInRegion()) {
            kind = "key_not_in_region (key "
                    + Keys.describe(error.getKeyNotInRegion().getKey()) + ")";
        } else if (error.hasServerIsBusy()) {
            kind = "server_is_busy (" + error.getServerIsBusy().getReason() + ")";
        } else if (error.hasStaleCommand()) {
            kind = "stale_command";
        } else if (error.hasStoreNotMatch()) {
            kind = "store_not_match (request for store "
                    + error.getStoreNotMatch().getRequestStoreId() + ", reached store "
                    + error.getStoreNotMatch().getActualStoreId() + ")";
        } else if (error.hasRaftEntryTooLarge()) {
            kind = "raft_entry_too_large (" + error.getRaftEntryTooLarge().getEntrySize() + " bytes)";
        } else if (error.hasDiskFull()) {
            kind = "disk_full (stores " + error.getDiskFull().getStoreIdList() + ")";
        } else {
            kind = "region error";
        }
        return error.getMessage().isEmpty() ? kind : kind + ": " + error.getMessage();
    }

    /** A per-key error of a raw request; raw requests only ever fill the textual fields. */
    public static String describe(Kvrpcpb.KeyError error) {
        if (!error.getAbort().isEmpty()) {
            return error.getAbort();
        }
        if (!error.getRetryable().isEmpty()) {
            return error.getRetryable();
        }
        return error.toString().strip().replace('\n', ' ');
    }
}
