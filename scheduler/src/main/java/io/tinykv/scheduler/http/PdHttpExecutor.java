package io.tinykv.scheduler.http;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that answer the scheduler's HTTP requests, off the connections' event loops: a fixed
 * number of them and a bounded queue, so a flood of requests is refused ({@link PdHttpHandler}
 * answers 503) instead of holding memory without limit.
 */
public final class PdHttpExecutor {

    /** Idle threads are let go after this long; the scheduler's HTTP side is mostly quiet. */
    private static final long KEEP_ALIVE_SECONDS = 60;

    private PdHttpExecutor() {}

    /** @param namePrefix names the threads, e.g. {@code "scheduler-http-"} */
    public static ExecutorService bounded(HttpLimits limits, String namePrefix) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                limits.threads(),
                limits.threads(),
                KEEP_ALIVE_SECONDS,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.queuedRequests()),
                Thread.ofPlatform().daemon().name(namePrefix, 0).factory(),
                new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
