package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoreAddressesTest {

    private static final long REFRESH_NANOS = 1_000;

    private final List<Metapb.Store> stores = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private final StoreAddresses addresses = new StoreAddresses(
            () -> {
                fetches.incrementAndGet();
                return List.copyOf(stores);
            },
            now::get,
            REFRESH_NANOS);

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

    @Test
    void theListIsFetchedOutsideTheRelayedCallsContext() throws Exception {
        // A relayed call whose client gave up (cancelled) or whose deadline is near: the scheduler
        // call that the check makes must not inherit either, or it fails and relays are refused.
        List<Boolean> fetchedInCancelledContext = new ArrayList<>();
        StoreAddresses checked = new StoreAddresses(
                () -> {
                    fetchedInCancelledContext.add(
                            Context.current().isCancelled() || Context.current().getDeadline() != null);
                    return List.of(store("s1:1"));
                },
                now::get,
                REFRESH_NANOS);
        ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor();
        try {
            Context.CancellableContext relayed = Context.current().withDeadlineAfter(1, TimeUnit.HOURS, deadlines);
            relayed.cancel(null);
            boolean known = relayed.call(() -> checked.test("s1:1"));
            assertThat(known).isTrue();
        } finally {
            deadlines.shutdownNow();
        }
        assertThat(fetchedInCancelledContext).containsExactly(false);
    }

    private static Metapb.Store store(String address) {
        return Metapb.Store.newBuilder().setAddress(address).build();
    }
}
