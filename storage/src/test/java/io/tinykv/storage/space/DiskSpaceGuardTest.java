package io.tinykv.storage.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb.DiskFullOpt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard over a fake disk whose free space the test sets; the placeholder is a real file in a
 * temp dir and takes its size off the fake disk, as it would off a real one.
 */
class DiskSpaceGuardTest {

    private static final long MIB = 1024 * 1024;
    private static final long CAPACITY = 1000 * MIB;
    private static final long RESERVE = 50 * MIB;

    @TempDir
    Path dir;

    /** A disk of {@link #CAPACITY} whose other files take {@code othersBytes}; the placeholder counts too. */
    private final class FakeDisk implements FreeSpaceSource {
        long othersBytes;
        int reads;
        boolean failing;

        @Override
        public SpaceStats read() throws IOException {
            reads++;
            if (failing) {
                throw new IOException("statvfs failed (test)");
            }
            long used = othersBytes + new SpacePlaceholder(dir).sizeBytes();
            return new SpaceStats(CAPACITY, Math.max(0, CAPACITY - used));
        }

        /** Leaves {@code availableBytes} free, the placeholder included in what is used. */
        void leaveFree(long availableBytes) throws IOException {
            othersBytes = CAPACITY - availableBytes - new SpacePlaceholder(dir).sizeBytes();
        }
    }

    private final FakeDisk disk = new FakeDisk();

    /** Opens the guard and takes its first sample, which writes the placeholder when there is room. */
    private DiskSpaceGuard open() throws IOException {
        DiskSpaceGuard guard = DiskSpaceGuard.open(dir, new ReserveSpace.Fixed(RESERVE), disk);
        guard.sample();
        return guard;
    }

    private Path placeholderFile() {
        return dir.resolve(SpacePlaceholder.FILE_NAME);
    }

    @Test
    void levelsFollowTheReserveAndItsHalf() {
        assertThat(DiskUsage.of(RESERVE + 1, RESERVE)).isEqualTo(DiskUsage.NORMAL);
        assertThat(DiskUsage.of(RESERVE, RESERVE)).isEqualTo(DiskUsage.ALMOST_FULL);
        assertThat(DiskUsage.of(RESERVE / 2 + 1, RESERVE)).isEqualTo(DiskUsage.ALMOST_FULL);
        assertThat(DiskUsage.of(RESERVE / 2, RESERVE)).isEqualTo(DiskUsage.ALREADY_FULL);
        assertThat(DiskUsage.of(0, RESERVE)).isEqualTo(DiskUsage.ALREADY_FULL);
        assertThat(DiskUsage.of(0, 0)).as("no reserve: never full").isEqualTo(DiskUsage.NORMAL);
    }

    @Test
    void theDefaultReserveIsFivePercentAtMostTwoGib() {
        assertThat(ReserveSpace.DEFAULT.bytesFor(CAPACITY)).isEqualTo(CAPACITY / 20);
        assertThat(ReserveSpace.DEFAULT.bytesFor(1024L * 1024 * MIB)).isEqualTo(2048 * MIB);
    }

    @Test
    void aRoomyDiskAcceptsEveryWriteAndGetsAPlaceholderOfAFifthOfTheReserve() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();

        assertThat(guard.usage()).isEqualTo(DiskUsage.NORMAL);
        assertThat(guard.refusal(false, DiskFullOpt.NotAllowedOnFull)).isNull();
        assertThat(Files.size(placeholderFile())).isEqualTo(RESERVE / 5);
        assertThat(guard.availableBytes())
                .as("the placeholder's blocks are used")
                .isEqualTo(490 * MIB);
    }

    @Test
    void underTheReserveOnlyDeletionsAndWhatTheRequestAllowsPass() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();
        disk.leaveFree(RESERVE - MIB);
        guard.sample();

        assertThat(guard.usage()).isEqualTo(DiskUsage.ALMOST_FULL);
        assertThat(guard.refusal(false, DiskFullOpt.NotAllowedOnFull))
                .contains("disk almost full", "49.0 MiB free", "reserve of 50.0 MiB", "storage.reserve-space");
        assertThat(guard.refusal(true, DiskFullOpt.NotAllowedOnFull))
                .as("deletions")
                .isNull();
        assertThat(guard.refusal(false, DiskFullOpt.AllowedOnAlmostFull))
                .as("lock cleanup")
                .isNull();
        assertThat(Files.exists(placeholderFile()))
                .as("kept while half the reserve is left")
                .isTrue();
    }

    @Test
    void underHalfTheReserveNothingPassesAndThePlaceholderMakesRoom() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();
        disk.leaveFree(RESERVE / 2 - MIB);
        guard.sample();

        assertThat(Files.exists(placeholderFile())).isFalse();
        // 24 MiB free plus the placeholder's 10 MiB: back within the reserve's upper half.
        assertThat(guard.availableBytes()).isEqualTo(34 * MIB);
        assertThat(guard.usage()).isEqualTo(DiskUsage.ALMOST_FULL);

        disk.leaveFree(RESERVE / 2 - MIB);
        guard.sample();
        assertThat(guard.usage()).isEqualTo(DiskUsage.ALREADY_FULL);
        assertThat(guard.refusal(true, DiskFullOpt.AllowedOnAlmostFull))
                .contains("disk full", "under half the reserve");
        assertThat(guard.refusal(false, DiskFullOpt.AllowedOnAlreadyFull)).isNull();
    }

    @Test
    void recoversByItselfWhenSpaceComesBackAndRewritesThePlaceholder() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();
        disk.leaveFree(RESERVE / 4);
        guard.sample();
        guard.sample();
        assertThat(guard.usage()).isEqualTo(DiskUsage.ALREADY_FULL);
        assertThat(Files.exists(placeholderFile())).isFalse();

        // Just above the reserve, but not with the placeholder on top: no placeholder yet.
        disk.leaveFree(RESERVE + MIB);
        guard.sample();
        assertThat(guard.usage()).isEqualTo(DiskUsage.NORMAL);
        assertThat(guard.refusal(false, DiskFullOpt.NotAllowedOnFull)).isNull();
        assertThat(Files.exists(placeholderFile())).isFalse();

        disk.leaveFree(200 * MIB);
        guard.sample();
        assertThat(Files.size(placeholderFile())).isEqualTo(RESERVE / 5);
        assertThat(guard.availableBytes()).isEqualTo(190 * MIB);
        assertThat(guard.usage()).isEqualTo(DiskUsage.NORMAL);
    }

    @Test
    void openingLeavesThePlaceholderToTheFirstSampleOffTheStartUpPath() throws IOException {
        disk.leaveFree(500 * MIB);

        DiskSpaceGuard guard = DiskSpaceGuard.open(dir, new ReserveSpace.Fixed(RESERVE), disk);

        assertThat(Files.exists(placeholderFile())).isFalse();
        assertThat(guard.usage()).isEqualTo(DiskUsage.NORMAL);
        assertThat(guard.availableBytes()).isEqualTo(500 * MIB);
        guard.sample();
        assertThat(Files.size(placeholderFile())).isEqualTo(RESERVE / 5);
    }

    @Test
    void startingUnderTheReserveDeletesThePlaceholderForRoom() throws IOException {
        disk.leaveFree(500 * MIB);
        open();
        assertThat(Files.exists(placeholderFile())).isTrue();
        disk.leaveFree(RESERVE - 5 * MIB);

        DiskSpaceGuard restarted = open();

        assertThat(Files.exists(placeholderFile())).isFalse();
        assertThat(restarted.availableBytes()).isEqualTo(RESERVE + 5 * MIB);
        assertThat(restarted.usage())
                .as("the placeholder's room lifts the disk above the reserve")
                .isEqualTo(DiskUsage.NORMAL);
        assertThat(Files.exists(placeholderFile()))
                .as("no room to write it back above the reserve")
                .isFalse();
    }

    @Test
    void aShortPlaceholderLeftByACrashIsWrittenAgain() throws IOException {
        Files.write(placeholderFile(), new byte[1234]);
        disk.leaveFree(500 * MIB);

        open();

        assertThat(Files.size(placeholderFile())).isEqualTo(RESERVE / 5);
    }

    @Test
    void anUnreadableDiskKeepsTheLastLevel() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();
        disk.leaveFree(RESERVE - MIB);
        guard.sample();
        disk.failing = true;
        disk.leaveFree(500 * MIB);

        guard.sample();

        assertThat(disk.reads).isGreaterThan(2);
        assertThat(guard.usage()).isEqualTo(DiskUsage.ALMOST_FULL);
    }

    @Test
    void refusalReadsTheLastSampleOnly() throws IOException {
        disk.leaveFree(500 * MIB);
        DiskSpaceGuard guard = open();
        int reads = disk.reads;
        disk.leaveFree(RESERVE / 4);

        for (int i = 0; i < 100; i++) {
            assertThat(guard.refusal(false, DiskFullOpt.NotAllowedOnFull)).isNull();
        }
        assertThat(disk.reads).isEqualTo(reads);
    }

    @Test
    void aZeroReserveTurnsTheGuardOffAndRemovesAnOldPlaceholder() throws IOException {
        Files.write(placeholderFile(), new byte[1234]);
        disk.leaveFree(0);

        DiskSpaceGuard guard = DiskSpaceGuard.open(dir, new ReserveSpace.Fixed(0), disk);

        assertThat(guard.refusal(false, DiskFullOpt.NotAllowedOnFull)).isNull();
        assertThat(Files.exists(placeholderFile())).isFalse();
    }

    @Test
    void aReserveAsLargeAsTheDiskIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> DiskSpaceGuard.open(dir, new ReserveSpace.Fixed(CAPACITY), disk))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage.reserve-space")
                .hasMessageContaining("1000.0 MiB")
                .hasMessageContaining("must be smaller than the disk");
        assertThatThrownBy(() -> new ReserveSpace.Fixed(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePlaceholderIsCappedSoThatWritingItStaysCheap() throws IOException {
        long hugeCapacity = 1024 * 1024 * MIB;
        FreeSpaceSource bigDisk = () -> new SpaceStats(hugeCapacity, hugeCapacity / 2);

        DiskSpaceGuard guard = DiskSpaceGuard.open(dir, ReserveSpace.DEFAULT, bigDisk);

        assertThat(guard.reserveBytes()).isEqualTo(2048 * MIB);
        assertThat(guard.placeholderBytes()).isEqualTo(DiskSpaceGuard.MAX_PLACEHOLDER_BYTES);
    }
}
