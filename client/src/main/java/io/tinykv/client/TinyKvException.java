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
 *       or the store answered something the client cannot make sense of.</li>
 * </ul>
 */
public abstract sealed class TinyKvException extends RuntimeException
    permits PdException, RegionUnavailableException, RegionErrorException, KeyValueException,
        RpcException {

  TinyKvException(String message) {
    super(message);
  }

  TinyKvException(String message, Throwable cause) {
    super(message, cause);
  }
}
