package io.tinykv.compat;

import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;

/**
 * TiKV client sessions the way an application opens them: {@code createRawDefault(pd)} for RawKV,
 * {@code createDefault(pd)} for transactions (API V1, keys memcomparable-encoded towards PD).
 */
final class Sessions {

    /** Per-RPC timeout: the client's 200 ms default is tight on a loaded two-core CI machine. */
    private static final long RPC_TIMEOUT_MILLIS = 5_000;
    /** Whole-operation deadlines for writes and scans, for the same reason. */
    private static final int OPERATION_TIMEOUT_MILLIS = 20_000;
    /**
     * The client's background store health check (gRPC {@code Health.Check}) defaults to 100 ms;
     * on a loaded two-core machine it then marks the store unreachable now and then, and requests
     * back off with "No TiKV store available" although the store is fine.
     */
    private static final int HEALTH_CHECK_TIMEOUT_MILLIS = 2_000;
    /**
     * Write deadlines for a session that only expects the store to refuse its writes. The client
     * retries a refused raw write (any error the store answers) until its deadline runs out and then
     * reports the store's last answer: the deadline is how long such a test waits, and it need only
     * leave room for the first answer on a loaded machine.
     */
    private static final int REFUSED_WRITE_DEADLINE_MILLIS = 5_000;

    private Sessions() {}

    /**
     * A session with generous timeouts, for tests that expect success and for tests that expect a
     * refusal the client does not retry (a tight deadline on a loaded machine would turn it into the
     * client's "TimeOut Exceeded", as a loaded flake hunt saw; a refused write the client retries
     * wants {@link #openForRefusedWrites}). The read timeout keeps the
     * client's default: the client's warm-up probes the empty key, which we refuse, and waits out
     * that timeout once per session.
     */
    static TiSession open(String pdAddress) {
        return TiSession.create(generousRaw(pdAddress));
    }

    private static TiConfiguration generousRaw(String pdAddress) {
        TiConfiguration conf = TiConfiguration.createRawDefault(pdAddress);
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setGrpcHealthCheckTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
        conf.setRawKVWriteTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVBatchWriteTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVBatchReadTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVScanTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVCleanTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        return conf;
    }

    /**
     * A RawKV session in TiKV's "atomic for CAS" mode, which {@code compareAndSet} and
     * {@code putIfAbsent} require: every raw write it sends is flagged {@code for_cas}.
     */
    static TiSession openForCas(String pdAddress) {
        TiConfiguration conf = generousRaw(pdAddress);
        conf.setEnableAtomicForCAS(true);
        return TiSession.create(conf);
    }

    /**
     * A RawKV session for writes the store refuses (a ttl on a store without TTL, a key over the
     * limit, a full disk): the client retries the refusal until its write deadline, which is short here
     * ({@link #REFUSED_WRITE_DEADLINE_MILLIS}) so that the test does not wait out 20 s per write;
     * the error it then reports carries the store's text. Its per-RPC timeout stays generous.
     */
    static TiSession openForRefusedWrites(String pdAddress) {
        return TiSession.create(refusedWritesRaw(pdAddress));
    }

    private static TiConfiguration refusedWritesRaw(String pdAddress) {
        TiConfiguration conf = generousRaw(pdAddress);
        conf.setRawKVWriteTimeoutInMS(REFUSED_WRITE_DEADLINE_MILLIS);
        conf.setRawKVBatchWriteTimeoutInMS(REFUSED_WRITE_DEADLINE_MILLIS);
        return conf;
    }

    /**
     * A RawKV session of a client in API V2 (keyspace-prefixed keys), which the store refuses: the
     * short write deadlines of {@link #openForRefusedWrites}.
     */
    static TiSession openInApiV2(String pdAddress) {
        TiConfiguration conf = refusedWritesRaw(pdAddress);
        conf.setApiVersion(TiConfiguration.ApiVersion.V2);
        return TiSession.create(conf);
    }

    /**
     * A transactional session whose reads go where {@code replicaRead} says: {@code FOLLOWER} and
     * {@code LEADER_AND_FOLLOWER} send them to followers with {@code Context.replica_read} set.
     */
    static TiSession openTransactional(String pdAddress, TiConfiguration.ReplicaRead replicaRead) {
        TiConfiguration conf = TiConfiguration.createDefault(pdAddress);
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setGrpcHealthCheckTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
        conf.setReplicaRead(replicaRead);
        return TiSession.create(conf);
    }

    /** A transactional session (the client's default mode) with the generous per-RPC timeout. */
    static TiSession openTransactional(String pdAddress) {
        TiConfiguration conf = TiConfiguration.createDefault(pdAddress);
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setGrpcHealthCheckTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
        return TiSession.create(conf);
    }
}
