package io.tinykv.testkit.txn;

import java.util.random.RandomGenerator;

/**
 * Produces the transactions to run. Implementations must be thread-safe (many workers draw from one
 * workload), while each worker passes its own random generator, so that a run is reproducible from
 * its seeds where the scheduling is.
 */
public interface Workload {

    TxnPlan next(RandomGenerator random);
}
