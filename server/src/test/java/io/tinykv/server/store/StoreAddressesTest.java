package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoreAddressesTest {

    private static final long REFRESH_NANOS = 1_000;

    private final List<Metapb.Store> stores = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private final StoreAddresses addresses = new StoreAddresses(() -> {
        fetches.incrementAndGet();
        return List.copyOf(stores);
    }, now::get, REFRESH_NANOS);

    @Test
    void aStoreThatJoinedLaterIsFoundByFetchingTheListAgain() {
        stores.add(store("s1:1"));
        assertThat(addresses.test("s1:1")).isTrue();

        stores.add(store("s2:1"));
        now.addAndGet(REFRESH_NANOS);
        assertThat(addresses.test("s2:1")).isTrue();
        assertThat(fetches).hasValue(2);
    }

    @Test
    void unknownAddressesFetchTheListAtMostOncePerInterval() {
        stores.add(store("s1:1"));
        for (int i = 0; i < 100; i++) {
            assertThat(addresses.test("attacker:" + i)).isFalse();
        }
        assertThat(fetches).as("one fetch for a burst of unknown addresses").hasValue(1);
        assertThat(addresses.test("s1:1")).as("known ones need no fetch").isTrue();
        assertThat(fetches).hasValue(1);

        now.addAndGet(REFRESH_NANOS);
        assertThat(addresses.test("attacker:x")).isFalse();
        assertThat(fetches).hasValue(2);
    }

    private static Metapb.Store store(String address) {
        return Metapb.Store.newBuilder().setAddress(address).build();
    }
}
