package io.tinykv.server.limits;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor a store's gRPC server runs its handlers on: a bounded number of threads (gRPC's
 * default is a cached pool, one more thread for every call that blocks). It has room for every
 * client call the {@link CallLimiter} admits plus {@link #INTERNAL_THREADS} more, so that
 * store-to-store messages and health checks always find a thread even while every client call
 * waits for Raft — which needs those messages to answer them.
 */
public final class ServerExecutor {

    /** Threads beyond the client calls, for the peer service and health checks. */
    public static final int INTERNAL_THREADS = 16;
    /** Idle threads above none are let go after this long. */
    private static final long KEEP_ALIVE_SECONDS = 60;

    private ServerExecutor() {}

    /**
     * @param maxConcurrentCalls the client calls admitted at once ({@code limits.max-concurrent-requests})
     * @param namePrefix names the threads, e.g. {@code "store-1-grpc-"}
     */
    public static ExecutorService bounded(int maxConcurrentCalls, String namePrefix) {
        int threads = Math.addExact(maxConcurrentCalls, INTERNAL_THREADS);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                threads,
                threads,
                KEEP_ALIVE_SECONDS,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name(namePrefix, 0).factory());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
