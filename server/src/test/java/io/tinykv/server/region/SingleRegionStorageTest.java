package io.tinykv.server.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.server.MemoryStorage;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.StorageReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A region that does not cover every key: [b, d). */
class SingleRegionStorageTest {

    private static final Kvrpcpb.Context NO_CONTEXT = Kvrpcpb.Context.getDefaultInstance();

    private final MemoryStorage memory = new MemoryStorage();
    private final Metapb.Region region = Metapb.Region.newBuilder()
            .setId(5)
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("d"))
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1))
            .build();
    private final SingleRegionStorage storage = new SingleRegionStorage(memory, region, 1);

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesOutsideTheRegionAreRefusedWithKeyNotInRegion() {
        assertThatThrownBy(() -> storage.write(NO_CONTEXT, List.of(new Modify.Put(Cf.DEFAULT, k("a"), k("1")))))
                .isInstanceOfSatisfying(RegionException.class, e -> {
                    assertThat(e.error().getKeyNotInRegion().getKey().toStringUtf8()).isEqualTo("a");
                    assertThat(e.error().getKeyNotInRegion().getRegionId()).isEqualTo(5);
                });
        assertThatThrownBy(() -> storage.write(NO_CONTEXT, List.of(new Modify.Delete(Cf.DEFAULT, k("d")))))
                .isInstanceOf(RegionException.class);
        assertThatThrownBy(() -> storage.write(NO_CONTEXT,
                List.of(new Modify.DeleteRange(Cf.DEFAULT, k("b"), new byte[0]))))
                .as("an unbounded range leaves the region").isInstanceOf(RegionException.class);
        storage.write(NO_CONTEXT, List.of(new Modify.DeleteRange(Cf.DEFAULT, k("b"), k("d"))));
    }

    @Test
    void readersSeeOnlyTheRegion() {
        for (String key : List.of("a", "b", "c", "d", "e")) {
            memory.write(NO_CONTEXT, List.of(new Modify.Put(Cf.DEFAULT, k(key), k(key))));
        }
        try (StorageReader r = storage.reader(NO_CONTEXT); KvIterator it = r.iterator(Cf.DEFAULT)) {
            assertThat(r.get(Cf.DEFAULT, k("c"))).isEqualTo(k("c"));
            assertThatThrownBy(() -> r.get(Cf.DEFAULT, k("e"))).isInstanceOf(RegionException.class);
            List<String> forward = new ArrayList<>();
            for (it.seek(new byte[0]); it.valid(); it.next()) {
                forward.add(new String(it.key(), StandardCharsets.UTF_8));
            }
            assertThat(forward).containsExactly("b", "c");
            List<String> backward = new ArrayList<>();
            for (it.seekToLast(); it.valid(); it.prev()) {
                backward.add(new String(it.key(), StandardCharsets.UTF_8));
            }
            assertThat(backward).containsExactly("c", "b");
            it.seekForPrev(k("z"));
            assertThat(new String(it.key(), StandardCharsets.UTF_8)).isEqualTo("c");
            it.seekToFirst();
            assertThat(new String(it.key(), StandardCharsets.UTF_8)).isEqualTo("b");
        }
    }

    @Test
    void contextChecksComeInTikvsOrder() {
        Kvrpcpb.Context wrongEverything = Kvrpcpb.Context.newBuilder()
                .setRegionId(6)
                .setPeer(Metapb.Peer.newBuilder().setStoreId(2))
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setVersion(9))
                .build();
        assertThatThrownBy(() -> storage.reader(wrongEverything))
                .isInstanceOfSatisfying(RegionException.class, e -> assertThat(e.error().hasStoreNotMatch()).isTrue());
        assertThatThrownBy(() -> storage.reader(wrongEverything.toBuilder().clearPeer().build()))
                .isInstanceOfSatisfying(RegionException.class, e -> assertThat(e.error().hasRegionNotFound()).isTrue());
        assertThatThrownBy(() -> storage.reader(wrongEverything.toBuilder().clearPeer().setRegionId(5).build()))
                .isInstanceOfSatisfying(RegionException.class, e -> {
                    assertThat(e.error().getEpochNotMatch().getCurrentRegionsList()).containsExactly(region);
                    assertThat(e.getMessage()).contains("conf_ver 0 version 9").contains("conf_ver 1 version 1");
                });
    }

    @Test
    void closingClosesTheInnerStorage() {
        storage.close();
        assertThat(memory.isClosed()).isTrue();
    }
}
