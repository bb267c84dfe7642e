package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardedStorageTest {

    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.getDefaultInstance();

    @Test
    void closesTheEngineWhenNobodyUsesItAndRefusesLaterUse() {
        MemoryStorage memory = new MemoryStorage();
        GuardedStorage guarded = new GuardedStorage(memory, 0);
        guarded.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, new byte[] {1}, new byte[] {2})));
        try (StorageReader r = guarded.reader(CTX)) {
            assertThat(r.get(Cf.DEFAULT, new byte[] {1})).containsExactly(2);
        }
        guarded.close();
        assertThat(memory.isClosed()).isTrue();
        assertThatThrownBy(() -> guarded.reader(CTX))
                .isInstanceOf(StorageException.class)
                .hasMessage("the store is shutting down");
        assertThatThrownBy(() -> guarded.write(CTX, List.of()))
                .isInstanceOf(StorageException.class)
                .hasMessage("the store is shutting down");
    }

    @Test
    void neverClosesTheEngineUnderAnOpenReader() {
        MemoryStorage memory = new MemoryStorage();
        GuardedStorage guarded = new GuardedStorage(memory, 0);
        StorageReader open = guarded.reader(CTX);
        guarded.close();
        assertThat(memory.isClosed()).as("left open: a reader still uses it").isFalse();
        open.close();
        open.close();
    }
}
