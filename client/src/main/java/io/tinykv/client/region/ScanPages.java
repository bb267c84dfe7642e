package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Failures;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.RpcException;
import io.tinykv.proto.Kvrpcpb;
import java.util.List;

/**
 * Checks one page of scan results before the client builds on it: the scan continues after the last
 * key of a full page, so a page out of order or out of range would silently skip or repeat keys.
 */
public final class ScanPages {
    private ScanPages() {}

    /**
     * @param lower   inclusive lower bound of the request
     * @param upper   exclusive upper bound of the request, empty = unbounded
     * @param reverse whether keys must descend instead of ascend
     * @throws KeyValueException when the store reported an error for a pair
     * @throws RpcException      when the page breaks the request's limit, range or order
     */
    public static void check(
            List<Kvrpcpb.KvPair> pairs, int limit, ByteString lower, ByteString upper, boolean reverse) {
        if (pairs.size() > limit) {
            throw new RpcException("store returned " + pairs.size() + " pairs for a scan limited to " + limit);
        }
        ByteString previous = null;
        for (Kvrpcpb.KvPair pair : pairs) {
            if (pair.hasError()) {
                throw new KeyValueException(
                        "scan at " + Keys.describe(pair.getKey()) + ": " + Failures.describe(pair.getError()));
            }
            ByteString key = pair.getKey();
            if (Keys.compare(key, lower) < 0 || !Keys.belowEnd(key, upper)) {
                throw new RpcException("store returned key " + Keys.describe(key) + " outside the scanned range ["
                        + Keys.describe(lower) + ", " + (upper.isEmpty() ? "+inf" : Keys.describe(upper)) + ")");
            }
            if (previous != null) {
                int order = Keys.compare(previous, key);
                if (reverse ? order <= 0 : order >= 0) {
                    throw new RpcException("store returned key " + Keys.describe(key) + " out of "
                            + (reverse ? "descending" : "ascending") + " order after " + Keys.describe(previous));
                }
            }
            previous = key;
        }
    }
}
