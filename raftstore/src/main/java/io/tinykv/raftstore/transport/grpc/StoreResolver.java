package io.tinykv.raftstore.transport.grpc;

/**
 * Where a store listens. The scheduler client implements it in the server; tests use a map. May
 * block (it can ask the scheduler): the transport calls it only from its own threads, never from the
 * Raft thread.
 */
@FunctionalInterface
public interface StoreResolver {

    /**
     * The gRPC target of store {@code storeId} (e.g. {@code "127.0.0.1:20160"}).
     *
     * @throws UnknownStoreException when the store's address is not known (yet)
     */
    String resolve(long storeId);

    /** No address is known for a store. */
    final class UnknownStoreException extends RuntimeException {
        public UnknownStoreException(long storeId) {
            super("no address known for store " + storeId);
        }
    }
}
