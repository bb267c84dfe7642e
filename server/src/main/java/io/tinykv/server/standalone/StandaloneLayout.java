package io.tinykv.server.standalone;

import java.nio.file.Path;

/**
 * Where a standalone keeps its two parts under its data dir: the scheduler's metadata in
 * {@code scheduler/}, the store's engines in {@code store/} (each laid out as the {@code tinykv
 * scheduler} and {@code tinykv server} processes lay out theirs), and the {@code LOCK} of the
 * whole directory at its top. A directory of the standalone before it was built from those two
 * parts is moved into this layout at start ({@link LegacyStandaloneDir}).
 */
record StandaloneLayout(Path dataDir) {

    static final String SCHEDULER_DIR = "scheduler";
    static final String STORE_DIR = "store";

    Path schedulerDir() {
        return dataDir.resolve(SCHEDULER_DIR);
    }

    Path storeDir() {
        return dataDir.resolve(STORE_DIR);
    }
}
