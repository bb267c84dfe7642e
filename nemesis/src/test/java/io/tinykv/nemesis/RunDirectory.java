package io.tinykv.nemesis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a run's cluster keeps its data and logs: under {@code nemesis.report.dir} (Maven's
 * {@code target/nemesis/}), so that the logs of a failed run are there to read; a passed run's folder
 * is deleted. Outside Maven, a temporary folder.
 */
final class RunDirectory {
    private RunDirectory() {}

    static Path create(String name) {
        String base = System.getProperty("nemesis.report.dir");
        try {
            if (base == null || base.isBlank()) {
                return Files.createTempDirectory("nemesis-" + name);
            }
            Files.createDirectories(Path.of(base));
            return Files.createTempDirectory(Path.of(base), name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory for " + name, e);
        }
    }

    /** Deletes a passed run's folder (after the cluster is closed and its tmpfs unmounted). */
    static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
