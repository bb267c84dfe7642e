package io.tinykv.server.playground;

import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a child process notice that the process that started it is gone, even when that one was
 * killed with SIGKILL and had no chance to stop its children.
 *
 * <p>The parent keeps the write end of the child's stdin pipe open and never writes to it. When the
 * parent dies, for whatever reason, the operating system closes that end and the child reads end of
 * file. Unlike watching the parent's pid this needs no polling and cannot be fooled by pid reuse.
 */
public final class ParentWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ParentWatch.class);
    private static final int READ_BUFFER_BYTES = 256;

    private ParentWatch() {}

    /**
     * Starts a daemon thread that reads {@code stdin} until end of file and then runs {@code onParentGone}.
     * Anything the parent does write is ignored.
     */
    public static Thread install(InputStream stdin, Runnable onParentGone) {
        Thread watcher = new Thread(
                () -> {
                    byte[] buffer = new byte[READ_BUFFER_BYTES];
                    try {
                        while (stdin.read(buffer) >= 0) {
                            // Not a channel for data: only its end matters.
                        }
                    } catch (IOException e) {
                        LOG.warn("reading stdin failed ({}); taking the parent for gone", e.toString());
                    }
                    onParentGone.run();
                },
                "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }
}
