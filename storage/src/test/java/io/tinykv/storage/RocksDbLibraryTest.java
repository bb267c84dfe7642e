package io.tinykv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RocksDB's library is loaded from one cached copy per user, so killed processes leave nothing in
 * the temporary directory (4,225 leaked 15 MB copies once filled a CI machine's disk).
 */
class RocksDbLibraryTest {

    /** What {@link Process#exitValue} reports for a child the kernel ended with SIGKILL (128 + 9). */
    private static final int KILLED_BY_SIGKILL = 137;

    @TempDir
    Path dir;

    @Test
    void processesKilledWithSigkillLeaveOnlyTheOneSharedCopyBehind() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));

        killAChildThatOpenedEngines(tmp, dir.resolve("data-1"));
        List<Path> afterFirst = librariesUnder(tmp);
        assertThat(afterFirst)
                .as("the one copy, in the per-user cache")
                .singleElement()
                .satisfies(library -> assertThat(library.getParent().getParent())
                        .isEqualTo(tmp.resolve(RocksDbLibrary.CACHE_DIR_PREFIX + System.getProperty("user.name"))));
        Object firstCopy = Files.readAttributes(afterFirst.get(0), BasicFileAttributes.class)
                .fileKey();

        killAChildThatOpenedEngines(tmp, dir.resolve("data-2"));
        List<Path> afterSecond = librariesUnder(tmp);
        assertThat(afterSecond).as("the second process reused the copy").isEqualTo(afterFirst);
        assertThat(Files.readAttributes(afterSecond.get(0), BasicFileAttributes.class)
                        .fileKey())
                .as("the same file, not a fresh copy under the same name")
                .isEqualTo(firstCopy);
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(Files::isRegularFile).toList())
                    .as("nothing else: no temporary copy, no partial copy")
                    .isEqualTo(afterFirst);
        }
    }

    @Test
    void aCacheDirectoryOthersCanWriteToIsRefused() throws IOException {
        Path shared = dir.resolve("shared");
        Files.createDirectory(shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> RocksDbLibrary.cachedCopyDir(shared))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("writable by others")
                .hasMessageContaining("rwxrwxrwx");
        try (Stream<Path> inside = Files.list(shared)) {
            assertThat(inside).as("nothing was copied into it").isEmpty();
        }
    }

    @Test
    void aNewCacheDirectoryIsTheOwnersAloneAndHoldsTheLibraryOnce() throws IOException {
        Path userDir = dir.resolve("user");

        Path first = RocksDbLibrary.cachedCopyDir(userDir);
        Path second = RocksDbLibrary.cachedCopyDir(userDir);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(userDir)))
                .isEqualTo("rwx------");
        assertThat(second).isEqualTo(first);
        try (Stream<Path> files = Files.list(first)) {
            assertThat(files.toList())
                    .singleElement()
                    .satisfies(library -> assertThat(Files.size(library)).isPositive());
        }
    }

    @Test
    void aPartialCopyAbandonedLongAgoIsRemovedAndOneBeingWrittenNowIsLeftAlone() throws IOException {
        Path userDir = dir.resolve("user");
        Path copyDir = RocksDbLibrary.cachedCopyDir(userDir);
        Path abandoned = Files.writeString(copyDir.resolve("librocksdbjnijni-linux64.so123.part"), "half");
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Path inProgress = Files.writeString(copyDir.resolve("librocksdbjnijni-linux64.so456.part"), "half");

        assertThat(RocksDbLibrary.cachedCopyDir(userDir)).isEqualTo(copyDir);

        assertThat(abandoned)
                .as("a process killed while copying left it an hour ago")
                .doesNotExist();
        assertThat(inProgress).as("another process may be writing it now").exists();
    }

    @Test
    void aCachedCopyOfTheWrongSizeIsReplacedWhole() throws IOException {
        Path userDir = dir.resolve("user");
        Path copyDir = RocksDbLibrary.cachedCopyDir(userDir);
        Path library;
        try (Stream<Path> files = Files.list(copyDir)) {
            library = files.toList().get(0);
        }
        long whole = Files.size(library);
        Files.writeString(library, "truncated");

        RocksDbLibrary.cachedCopyDir(userDir);

        assertThat(Files.size(library)).isEqualTo(whole);
    }

    private static void killAChildThatOpenedEngines(Path tmp, Path dataDir) throws Exception {
        Process child = HoldDataDirectory.start(dataDir, List.of("-Djava.io.tmpdir=" + tmp));
        try {
            child.destroyForcibly();
            assertThat(child.waitFor(HoldDataDirectory.CHILD_DEADLINE_SECONDS, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(child.exitValue()).as("the child died of SIGKILL").isEqualTo(KILLED_BY_SIGKILL);
        } finally {
            child.destroyForcibly();
        }
    }

    private static List<Path> librariesUnder(Path tmp) throws IOException {
        try (Stream<Path> all = Files.walk(tmp)) {
            return all.filter(p -> p.getFileName().toString().startsWith("librocksdbjni"))
                    .sorted()
                    .toList();
        }
    }
}
