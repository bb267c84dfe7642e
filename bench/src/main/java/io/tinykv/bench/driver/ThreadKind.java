package io.tinykv.bench.driver;

import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/** What the benchmark clients run on. */
public enum ThreadKind {
    /**
     * One platform thread per client. The default: RocksDB's JNI calls and some client libraries
     * block their carrier thread, which would cap virtual-thread concurrency at the core count.
     */
    PLATFORM,
    /** One virtual thread per client. */
    VIRTUAL;

    public ThreadFactory factory(String namePrefix) {
        return switch (this) {
            case PLATFORM ->
                Thread.ofPlatform().name(namePrefix, 0).daemon(true).factory();
            case VIRTUAL -> Thread.ofVirtual().name(namePrefix, 0).factory();
        };
    }

    public static ThreadKind named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown thread kind '" + name + "'; expected platform or virtual", e);
        }
    }
}
