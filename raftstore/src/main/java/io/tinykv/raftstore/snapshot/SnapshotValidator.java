package io.tinykv.raftstore.snapshot;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.raftstore.Regions;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SstKeyRange;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Checks what a received snapshot would write, before Raft accepts it, from the files themselves
 * (a peer's word is not enough — TLS or not): the region it describes lists the receiving peer,
 * and every key of every file lies inside that region's range under the data prefix
 * ({@code 'z' + start} to {@code 'z' + end}). A snapshot failing this would, once ingested, clear
 * or overwrite keys outside its region — another region's data, or this store's local metadata
 * ({@code 01 ...} keys: raft and region states). That it does not overlap another region on this
 * store is checked by the Raft thread, which knows the store's regions (RaftPoller).
 */
public final class SnapshotValidator {

    private SnapshotValidator() {}

    /**
     * @param receiver the peer the snapshot is for
     * @param pathOf where the received file of a column family is
     * @throws IllegalArgumentException naming the first problem
     */
    public static void check(SnapshotData.ParsedSnapshot snapshot, Metapb.Peer receiver, Function<Cf, Path> pathOf) {
        Metapb.Region region = snapshot.region();
        String notListed = receiverRefusal(region, receiver);
        if (notListed != null) {
            throw new IllegalArgumentException(notListed);
        }
        byte[] lower = Keys.dataKey(region.getStartKey().toByteArray());
        byte[] upper = Keys.dataEndKey(region.getEndKey().toByteArray());
        for (SnapshotCFFile file : snapshot.files()) {
            Path path = pathOf.apply(Cf.fromApiName(file.getCf()));
            SstKeyRange keys = SstKeyRange.of(path);
            if (Arrays.compareUnsigned(keys.smallest(), lower) < 0
                    || Arrays.compareUnsigned(keys.largest(), upper) >= 0) {
                throw new IllegalArgumentException("snapshot of region " + region.getId() + ": column family "
                        + file.getCf() + " holds keys [" + Keys.describe(keys.smallest()) + ", "
                        + Keys.describe(keys.largest()) + "] outside the region's data range ["
                        + Keys.describe(lower) + ", " + Keys.describe(upper) + ")");
            }
        }
    }

    /**
     * Why a snapshot describing {@code region} is not for {@code receiver}, or null when the region
     * lists that peer on its store. Needs only the snapshot's header: it is checked before any of
     * the snapshot's files is received, and again before it is applied.
     */
    public static String receiverRefusal(Metapb.Region region, Metapb.Peer receiver) {
        Metapb.Peer listed = Regions.findPeer(region, receiver.getId());
        if (listed == null || listed.getStoreId() != receiver.getStoreId()) {
            return "snapshot of region " + region.getId() + " does not list peer " + receiver.getId() + " on store "
                    + receiver.getStoreId();
        }
        return null;
    }
}
