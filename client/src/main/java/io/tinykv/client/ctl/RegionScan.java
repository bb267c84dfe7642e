package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.PdException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the regions of a key range from PD page by page, so that a PD that caps the size of one
 * answer still yields all of them.
 */
final class RegionScan {
    static final int PAGE_SIZE_REGIONS = 1_024;
    private static final java.util.Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private RegionScan() {}

    /**
     * The regions overlapping {@code [start, end)} in key order.
     *
     * @param end   exclusive; empty means to the end of the key space
     * @param limit at most this many; 0 means all
     * @throws PdException when PD's pages do not advance through the key space (a broken answer)
     */
    static List<RegionStatus> regions(PdClient pd, ByteString start, ByteString end, int limit) {
        List<RegionStatus> all = new ArrayList<>();
        ByteString cursor = start;
        while (limit == 0 || all.size() < limit) {
            int want = limit == 0 ? PAGE_SIZE_REGIONS : Math.min(PAGE_SIZE_REGIONS, limit - all.size());
            List<RegionStatus> page = pd.scanRegionStatuses(cursor, end, want);
            all.addAll(page);
            if (page.size() < want) {
                break;
            }
            ByteString next = page.get(page.size() - 1).info().endKey();
            if (next.isEmpty() || (!end.isEmpty() && ORDER.compare(next, end) >= 0)) {
                break;
            }
            if (ORDER.compare(next, cursor) <= 0) {
                throw new PdException(
                        "PD's region scan does not advance past key " + KeyFormat.HEX.format(cursor) + " (hex)");
            }
            cursor = next;
        }
        return all;
    }
}
