package io.tinykv.txn.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

    @Provide
    Arbitrary<Write> writes() {
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(Lock.SHORT_VALUE_MAX_BYTES);
        return Combinators.combine(
                        Arbitraries.of(WriteKind.class),
                        Arbitraries.longs(),
                        values.injectNull(0.5),
                        Arbitraries.of(true, false))
                .as((kind, ts, value, overlapped) ->
                        new Write(kind, ts, kind == WriteKind.PUT ? value : null, overlapped));
    }

    @Provide
    Arbitrary<Lock> locks() {
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(Lock.SHORT_VALUE_MAX_BYTES);
        Arbitrary<byte[]> primaries = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        return Combinators.combine(
                        Arbitraries.of(LockKind.class),
                        primaries,
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        values.injectNull(0.5))
                .as((kind, primary, ts, ttl, minCommit, size, value) ->
                        new Lock(kind, primary, ts, ttl, minCommit, size, kind == LockKind.PUT ? value : null));
    }

    @Property
    void writeRoundTrips(@ForAll("writes") Write write) {
        assertThat(Write.parse(write.toBytes())).isEqualTo(write);
    }

    @Property
    void lockRoundTrips(@ForAll("locks") Lock lock) {
        assertThat(Lock.parse(lock.toBytes())).isEqualTo(lock);
    }

    @Property
    void anyFlippedBitInAWriteIsDetected(
            @ForAll("writes") Write write, @ForAll @IntRange(min = 0, max = 10_000) int bit) {
        byte[] bytes = write.toBytes();
        int index = bit % (bytes.length * 8);
        bytes[index / 8] ^= (byte) (1 << (index % 8));
        assertThatThrownBy(() -> Write.parse(bytes)).isInstanceOf(CorruptRecordException.class);
    }

    @Property
    void anyFlippedBitInALockIsDetected(@ForAll("locks") Lock lock, @ForAll @IntRange(min = 0, max = 10_000) int bit) {
        byte[] bytes = lock.toBytes();
        int index = bit % (bytes.length * 8);
        bytes[index / 8] ^= (byte) (1 << (index % 8));
        assertThatThrownBy(() -> Lock.parse(bytes)).isInstanceOf(CorruptRecordException.class);
    }

    @Property
    void anyTruncationIsDetected(
            @ForAll("locks") Lock lock,
            @ForAll("writes") Write write,
            @ForAll @IntRange(min = 1, max = 1_000) int cut) {
        byte[] lockBytes = lock.toBytes();
        byte[] writeBytes = write.toBytes();
        byte[] shortLock = Arrays.copyOf(lockBytes, Math.max(0, lockBytes.length - cut));
        byte[] shortWrite = Arrays.copyOf(writeBytes, Math.max(0, writeBytes.length - cut));
        assertThatThrownBy(() -> Lock.parse(shortLock)).isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> Write.parse(shortWrite)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void wrongRecordTypeIsRejected() {
        byte[] writeBytes = new Write(WriteKind.PUT, 5, new byte[] {1}).toBytes();
        assertThatThrownBy(() -> Lock.parse(writeBytes)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void emptyOrNullRecordIsRejected() {
        assertThatThrownBy(() -> Write.parse(new byte[0]))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("too short");
        assertThatThrownBy(() -> Lock.parse(null))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("null");
    }

    @Test
    void valuesAreOnlyCarriedByPuts() {
        assertThatThrownBy(() -> new Write(WriteKind.DELETE, 1, new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Lock(LockKind.LOCK, new byte[] {1}, 1, 1, 0, 1, new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Write(WriteKind.PUT, 1, new byte[Lock.SHORT_VALUE_MAX_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lockReportsItselfInKvprotoShape() {
        Lock lock = new Lock(LockKind.DELETE, new byte[] {1}, 100, 3000, 0, 2, null);
        var info = lock.toLockInfo(new byte[] {2});
        assertThat(info.getPrimaryLock().toByteArray()).containsExactly(1);
        assertThat(info.getKey().toByteArray()).containsExactly(2);
        assertThat(info.getLockVersion()).isEqualTo(100);
        assertThat(info.getLockTtl()).isEqualTo(3000);
        assertThat(info.getTxnSize()).isEqualTo(2);
        assertThat(info.getLockType()).isEqualTo(io.tinykv.proto.Kvrpcpb.Op.Del);
    }
}
