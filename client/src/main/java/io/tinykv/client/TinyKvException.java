package io.tinykv.client;

/**
 * Everything the client reports as a failure. The subclasses say whose fault it was and whether trying
 * again later may help:
 * <ul>
 *   <li>{@link PdException}: PD could not be reached or refused the request;</li>
 *   <li>{@link RegionUnavailableException}: retrying a region (leader changes, splits, busy stores,
 *       unreachable stores) used up the backoff budget;</li>
 *   <li>{@link RegionErrorException}: a store reported a region error that retrying cannot fix;</li>
 *   <li>{@link KeyValueException}: the store executed the request and reported an error for it;</li>
 *   <li>{@link RpcException}: a call to a store failed in a way that is not safe or not useful to retry,
 *       or the store answered something the client cannot make sense of;</li>
 *   <li>{@link TxnException}: a transaction did not commit ({@link TxnAbortedException}, with
 *       {@link WriteConflictException} as its retry-the-transaction case), may or may not have committed
 *       ({@link CommitUnknownException}), or a read waited in vain for another transaction's lock
 *       ({@link KeyLockedException}).</li>
 * </ul>
 */
public abstract sealed class TinyKvException extends RuntimeException
        permits PdException,
                RegionUnavailableException,
                RegionErrorException,
                KeyValueException,
                RpcException,
                TxnException {

    TinyKvException(String message) {
        super(message);
    }

    TinyKvException(String message, Throwable cause) {
        super(message, cause);
    }
}
