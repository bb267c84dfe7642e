package io.tinykv.server.playground;

import io.tinykv.server.Main;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of a process the playground starts: {@code tinykv} ({@link Main}) with the same
 * arguments, plus a {@link ParentWatch} that stops the process when the playground is gone. Stopping
 * is {@link System#exit}, so the command's shutdown hook closes it as SIGTERM would.
 */
public final class ChildMain {
    private static final Logger LOG = LoggerFactory.getLogger(ChildMain.class);
    /** 128 + SIGTERM: the process ends as if it had been sent SIGTERM. */
    static final int EXIT_PARENT_GONE = 143;

    private ChildMain() {}

    public static void main(String[] args) {
        run(args, Main::main);
    }

    /** Watches the parent, then runs {@code main}; tests hand in stand-ins for {@link Main}. */
    static void run(String[] args, Consumer<String[]> main) {
        ParentWatch.install(System.in, () -> {
            LOG.warn("the playground that started this process is gone (stdin closed); stopping");
            System.exit(EXIT_PARENT_GONE);
        });
        main.accept(args);
    }
}
