package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.keysForward;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * DeleteRange through {@link Storage} against a model: exactly the keys in {@code [start, end)}
 * go, an empty end means no upper bound, other column families are untouched.
 */
class DeleteRangePropertyTest {

    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.getDefaultInstance();
    private static final byte[] EMPTY = new byte[0];

    private Path dir;
    private StandaloneStorage storage;

    @BeforeProperty
    void open() throws IOException {
        dir = Files.createTempDirectory("delete-range-property");
        storage = StandaloneStorage.open(dir, SMALL_CONFIG);
    }

    @AfterProperty
    void close() throws IOException {
        storage.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @BeforeTry
    void clear() {
        storage.write(
                CTX,
                List.of(
                        new Modify.DeleteRange(Cf.DEFAULT, EMPTY, EMPTY),
                        new Modify.DeleteRange(Cf.LOCK, EMPTY, EMPTY)));
    }

    @Property(tries = 100)
    void deleteRangeRemovesExactlyTheHalfOpenRange(
            @ForAll("keySets") Set<String> keys, @ForAll("keys") String start, @ForAll("endKeys") String end) {
        List<Modify> puts = new ArrayList<>();
        for (String key : keys) {
            puts.add(new Modify.Put(Cf.DEFAULT, bytes(key), bytes("v")));
            puts.add(new Modify.Put(Cf.LOCK, bytes(key), bytes("v")));
        }
        storage.write(CTX, puts);
        Modify deleteRange = new Modify.DeleteRange(Cf.DEFAULT, bytes(start), bytes(end));

        boolean inverted = !end.isEmpty() && end.compareTo(start) < 0;
        if (inverted) {
            assertThatThrownBy(() -> storage.write(CTX, List.of(deleteRange)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(scan(Cf.DEFAULT)).containsExactlyElementsOf(new TreeSet<>(keys));
            return;
        }
        storage.write(CTX, List.of(deleteRange));

        // ASCII keys: String order is the unsigned byte order RocksDB uses.
        List<String> expected = new TreeSet<>(keys)
                .stream()
                        .filter(k -> k.compareTo(start) < 0 || (!end.isEmpty() && k.compareTo(end) >= 0))
                        .toList();
        assertThat(scan(Cf.DEFAULT)).containsExactlyElementsOf(expected);
        assertThat(scan(Cf.LOCK)).containsExactlyElementsOf(new TreeSet<>(keys));
    }

    private List<String> scan(Cf cf) {
        try (StorageReader reader = storage.reader(CTX);
                KvIterator it = reader.iterator(cf)) {
            it.seekToFirst();
            return keysForward(it);
        }
    }

    /** Short keys over a tiny alphabet, so ranges, prefixes and equal keys all come up. */
    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().withChars('a', 'b', 'c').ofMaxLength(3);
    }

    @Provide
    Arbitrary<String> endKeys() {
        return Arbitraries.oneOf(keys(), Arbitraries.just(""));
    }

    @Provide
    Arbitrary<Set<String>> keySets() {
        return keys().set().ofMaxSize(12);
    }
}
