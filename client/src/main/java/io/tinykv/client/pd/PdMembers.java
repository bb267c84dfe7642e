package io.tinykv.client.pd;

import io.grpc.StatusRuntimeException;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.Failures;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The PD members this process knows — the configured addresses first, then every client URL the
 * members report — and how the leader is found among them: {@code GetMembers} on each in turn until
 * one names a leader. Thread-safe.
 */
final class PdMembers {
    private final ChannelPool channels;
    private final long timeoutMs;
    /** Guarded by itself. */
    private final Set<String> known;

    PdMembers(List<String> addresses, ChannelPool channels, long timeoutMs) {
        this.channels = channels;
        this.timeoutMs = timeoutMs;
        this.known = new LinkedHashSet<>(addresses);
    }

    /** What one round of {@code GetMembers} found. */
    record Leader(String address, long clusterId) {}

    /** No member named a leader; worth retrying unless every member refused in a way no retry cures. */
    static final class NoLeader extends RuntimeException {
        final boolean worthRetrying;

        NoLeader(String message, boolean worthRetrying) {
            super(message, null, false, false);
            this.worthRetrying = worthRetrying;
        }
    }

    /**
     * Asks every known address for the members until one names a leader.
     *
     * @param clusterId the cluster the leader must belong to; 0 while it is not known yet
     * @throws NoLeader when none does
     */
    Leader findLeader(long clusterId) {
        List<String> candidates;
        synchronized (known) {
            candidates = List.copyOf(known);
        }
        Map<String, String> failures = new LinkedHashMap<>();
        boolean worthRetrying = false;
        for (String address : candidates) {
            Pdpb.GetMembersResponse members;
            try {
                members = PDGrpc.newBlockingStub(channels.get(address))
                        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                        .getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                failures.put(address, Failures.describe(e, timeoutMs));
                worthRetrying |= PdConnection.isRetryable(e.getStatus().getCode());
                continue;
            }
            // Any answer means a PD runs there: an error or a missing leader may pass (an election).
            worthRetrying = true;
            Pdpb.ResponseHeader header = members.getHeader();
            if (header.hasError() && header.getError().getType() != Pdpb.ErrorType.OK) {
                failures.put(address, Failures.describe(header.getError()));
                continue;
            }
            if (clusterId != 0 && header.getClusterId() != clusterId) {
                failures.put(address, "it runs cluster " + header.getClusterId() + ", not " + clusterId);
                continue;
            }
            learnMembers(members);
            if (!members.hasLeader() || members.getLeader().getClientUrlsCount() == 0) {
                failures.put(address, "PD has no leader");
                continue;
            }
            return new Leader(Addresses.stripScheme(members.getLeader().getClientUrls(0)), header.getClusterId());
        }
        throw new NoLeader(unreachableMessage(failures), worthRetrying);
    }

    private void learnMembers(Pdpb.GetMembersResponse members) {
        synchronized (known) {
            for (Pdpb.Member member : members.getMembersList()) {
                for (String url : member.getClientUrlsList()) {
                    known.add(Addresses.stripScheme(url));
                }
            }
        }
    }

    /** "cannot reach PD at a:1: connection refused", or one reason per address when they differ. */
    private static String unreachableMessage(Map<String, String> failures) {
        String addresses = String.join(", ", failures.keySet());
        Set<String> reasons = new LinkedHashSet<>(failures.values());
        if (reasons.size() == 1) {
            return "cannot reach PD at " + addresses + ": " + reasons.iterator().next();
        }
        List<String> each = new ArrayList<>();
        failures.forEach((address, reason) -> each.add(address + ": " + reason));
        return "cannot reach PD at " + addresses + " (" + String.join("; ", each) + ")";
    }
}
