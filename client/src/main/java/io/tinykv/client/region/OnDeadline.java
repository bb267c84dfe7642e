package io.tinykv.client.region;

import io.tinykv.client.RpcException;
import io.tinykv.client.raw.RawKvClient;

/**
 * What a request does when a store gives no answer within the client's deadline
 * ({@code DEADLINE_EXCEEDED}). The store may have executed the request or not, so only a request whose
 * repetition has the same effect as one execution may be sent again.
 */
public enum OnDeadline {
    /** Report the timeout to the caller ({@link RpcException}): the request must not simply be repeated. */
    REPORT,
    /**
     * Re-locate the region (its leader may have moved), back off and send again, within the operation's
     * backoff budget. For requests whose repetition changes nothing only: reads (transactional and
     * RawKV: they have no effect), and the transaction commands prewrite (a repeat finds its own locks, or
     * its own commit records after 1PC, and changes nothing), commit, rollback and lock resolution. Not
     * RawKV writes: see {@link RawKvClient#WRITES_ON_DEADLINE}.
     */
    RETRY
}
