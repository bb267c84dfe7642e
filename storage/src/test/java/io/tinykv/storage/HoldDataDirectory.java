package io.tinykv.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A child process for {@link EnginesTest}: opens the engines of a data directory, prints
 * {@value #READY}, and holds them open until its standard input is closed.
 */
public final class HoldDataDirectory {

    static final String READY = "ready";

    private HoldDataDirectory() {}

    public static void main(String[] args) throws IOException {
        try (Engines engines = Engines.open(Path.of(args[0]), TestData.SMALL_CONFIG)) {
            System.out.println(READY);
            System.out.flush();
            while (System.in.read() != -1) {
                // Hold the directory until the parent closes our stdin.
            }
            System.out.println("closing " + engines.dataDir());
        }
    }
}
