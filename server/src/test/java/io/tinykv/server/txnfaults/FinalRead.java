package io.tinykv.server.txnfaults;

import com.google.protobuf.ByteString;
import io.tinykv.client.KeyValue;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One snapshot of a workload's data and markers, read after the run in a single transaction (taken
 * again, within a deadline, while the healed cluster still refuses).
 *
 * @param values every asked-for key's list (empty when absent)
 * @param markers the attempt ids whose markers are committed
 * @param startNanos when the reading transaction began (before its timestamp was taken)
 * @param endNanos when it finished
 */
record FinalRead(Map<String, List<Long>> values, Set<Long> markers, long startNanos, long endNanos) {

    /** More than any run here writes markers; the store caps one scan at 10 240 pairs. */
    private static final int MAX_MARKERS = 10_000;

    static FinalRead take(TxnKvClient client, MarkedTxnExecutor executor, Collection<String> keys, Duration timeout) {
        FinalRead[] result = new FinalRead[1];
        RuntimeException[] last = new RuntimeException[1];
        boolean read = Await.holdsWithin(
                () -> {
                    try {
                        result[0] = once(client, executor, keys);
                        return true;
                    } catch (TinyKvException e) {
                        last[0] = e;
                        return false;
                    }
                },
                timeout);
        if (!read) {
            throw new AssertionError("the cluster did not serve a read of the final state within " + timeout, last[0]);
        }
        return result[0];
    }

    private static FinalRead once(TxnKvClient client, MarkedTxnExecutor executor, Collection<String> keys) {
        long start = System.nanoTime();
        try (Transaction txn = client.begin()) {
            Map<String, List<Long>> values = new LinkedHashMap<>();
            for (String key : keys) {
                Optional<ByteString> value = txn.get(executor.dataKey(key));
                values.put(key, value.map(MarkedTxnExecutor::decode).orElse(List.of()));
            }
            List<KeyValue> markers = txn.scan(executor.markerPrefix(), executor.markerEnd(), MAX_MARKERS);
            if (markers.size() >= MAX_MARKERS) {
                throw new IllegalStateException("more than " + MAX_MARKERS + " markers: raise the limit");
            }
            Set<Long> ids = new HashSet<>();
            for (KeyValue marker : markers) {
                long id = executor.attemptIdOf(marker.key());
                if (!MarkedTxnExecutor.decode(marker.value()).equals(List.of(id))) {
                    throw new AssertionError("marker " + id + " holds " + MarkedTxnExecutor.decode(marker.value()));
                }
                ids.add(id);
            }
            txn.commit();
            return new FinalRead(Map.copyOf(values), Set.copyOf(ids), start, System.nanoTime());
        }
    }
}
