package io.tinykv.txn.gc;

import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.MvccKey;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Which versions of one key a reader at or above the safe point can never need (TiKV's GC rule).
 * Walking the key's commit records newest first from the newest one at or below the safe point:
 * Lock and Rollback records go (they change no data, and a prewrite below the safe point is
 * refused, so no late prewrite needs a rollback record to stop it); the first Put stays (it is what
 * such a reader sees); a first Delete goes with everything under it (the reader sees nothing either
 * way); every record under the first data record goes. A Put's value in the default column family
 * goes with its record. Records above the safe point are never touched.
 *
 * <p>Correct on any prefix of the walk: a caller that reads the records in bounded pages removes
 * a correct subset of the garbage each time.
 */
public final class VersionGc {

    private VersionGc() {}

    /**
     * @param atOrBelowSafePoint the key's commit records with commit ts at or below the safe point,
     *     newest first, beginning with the newest such record (possibly only a prefix of them)
     * @return the deletions, in the order of the records
     */
    public static List<Modify> garbage(byte[] key, List<CommittedWrite> atOrBelowSafePoint) {
        List<Modify> out = new ArrayList<>();
        boolean dataSeen = false;
        for (CommittedWrite record : atOrBelowSafePoint) {
            boolean keep = !dataSeen && record.kind() == WriteKind.PUT;
            if (record.kind().isData()) {
                dataSeen = true;
            }
            if (keep) {
                continue;
            }
            out.add(new Modify.Delete(Cf.WRITE, MvccKey.encode(key, record.commitTs())));
            if (record.kind() == WriteKind.PUT && !record.write().hasShortValue()) {
                out.add(new Modify.Delete(
                        Cf.DEFAULT, MvccKey.encode(key, record.write().startTs())));
            }
        }
        return out;
    }

    /** How many commit records {@link #garbage} removes (default-CF values not counted). */
    public static int removedRecords(List<Modify> garbage) {
        return (int) garbage.stream()
                .filter(m -> m instanceof Modify.Delete d && d.cf() == Cf.WRITE)
                .count();
    }
}
