package io.tinykv.scheduler.http;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.StoreInfo;
import io.tinykv.scheduler.StoreStatus;
import java.time.Duration;
import java.util.List;

/**
 * A store as PD's HTTP API shows it ({@code /pd/api/v1/store/{id}}): {@code store} is the
 * {@code metapb.Store} plus {@code state_name}, {@code status} what its heartbeats and the regions
 * tell. Sizes are Go-style text ({@code "931.5GiB"}), region and leader sizes in MiB, weights 1 and
 * scores PD's simplest formulas (count or size divided by weight).
 */
public record StoreView(Meta store, Status status) {

    private static final double WEIGHT = 1.0;
    private static final long MILLIS_PER_SECOND = 1_000;

    /** {@code metapb.Store} as Go marshals it (zero fields left out) plus {@code state_name}. */
    public record Meta(
            long id,
            String address,
            Integer state,
            List<Label> labels,
            String version,
            String peerAddress,
            String statusAddress,
            String gitHash,
            Long startTimestamp,
            String deployPath,
            Long lastHeartbeat,
            String stateName) {}

    public record Label(String key, String value) {}

    public record Status(
            String capacity,
            String available,
            String usedSize,
            int leaderCount,
            double leaderWeight,
            double leaderScore,
            long leaderSize,
            int regionCount,
            double regionWeight,
            double regionScore,
            long regionSize,
            Long pendingPeerCount,
            Long sendingSnapCount,
            Long receivingSnapCount,
            Boolean isBusy,
            String startTs,
            String lastHeartbeatTs,
            String uptime) {}

    /**
     * What the regions say about one store: counts and sizes (MiB) of its peers and leaders, and how
     * many of its peers their leaders report as pending.
     */
    public record Load(
            int leaderCount, long leaderSizeMib, int regionCount, long regionSizeMib, long pendingPeerCount) {
        public static final Load NONE = new Load(0, 0, 0, 0, 0);

        /** This load plus one peer of a region of {@code sizeMib}. */
        public Load plusPeer(boolean leader, boolean pending, long sizeMib) {
            return new Load(
                    leaderCount + (leader ? 1 : 0),
                    leaderSizeMib + (leader ? sizeMib : 0),
                    regionCount + 1,
                    regionSizeMib + sizeMib,
                    pendingPeerCount + (pending ? 1 : 0));
        }
    }

    public static StoreView of(StoreInfo info, StoreStatus status, Load load, long nowMillis) {
        Metapb.Store s = info.store();
        Pdpb.StoreStats stats = info.stats();
        Meta meta = new Meta(
                s.getId(),
                s.getAddress(),
                s.getStateValue() == 0 ? null : s.getStateValue(),
                s.getLabelsCount() == 0
                        ? null
                        : s.getLabelsList().stream()
                                .map(l -> new Label(l.getKey(), l.getValue()))
                                .toList(),
                blankAsNull(s.getVersion()),
                blankAsNull(s.getPeerAddress()),
                blankAsNull(s.getStatusAddress()),
                blankAsNull(s.getGitHash()),
                PdJson.nonZero(s.getStartTimestamp()),
                blankAsNull(s.getDeployPath()),
                PdJson.nonZero(s.getLastHeartbeat()),
                stateName(status));
        boolean heard = stats.getStartTime() > 0;
        long startMillis = stats.getStartTime() * MILLIS_PER_SECOND;
        Status st = new Status(
                GoText.byteSize(stats.getCapacity()),
                GoText.byteSize(stats.getAvailable()),
                GoText.byteSize(stats.getUsedSize()),
                load.leaderCount(),
                WEIGHT,
                load.leaderCount() / WEIGHT,
                load.leaderSizeMib(),
                load.regionCount(),
                WEIGHT,
                load.regionSizeMib() / WEIGHT,
                load.regionSizeMib(),
                PdJson.nonZero(load.pendingPeerCount()),
                PdJson.nonZero(stats.getSendingSnapCount()),
                PdJson.nonZero(stats.getReceivingSnapCount()),
                stats.getIsBusy() ? Boolean.TRUE : null,
                heard ? GoText.instant(startMillis) : null,
                GoText.instant(info.lastHeartbeatMillis()),
                heard && nowMillis > startMillis ? GoText.duration(Duration.ofMillis(nowMillis - startMillis)) : null);
        return new StoreView(meta, st);
    }

    /** PD's names: the metapb state, or Disconnected / Down for an Up store that went quiet. */
    static String stateName(StoreStatus status) {
        return switch (status) {
            case UP -> "Up";
            case OFFLINE -> "Offline";
            case DISCONNECTED -> "Disconnected";
            case DOWN -> "Down";
            case TOMBSTONE -> "Tombstone";
        };
    }

    private static String blankAsNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
