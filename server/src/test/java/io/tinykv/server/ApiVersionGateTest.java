package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.storage.StorageReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiVersionGateTest {

    private static final byte[] KEY = {'k'};
    private static final byte[] VALUE = {'v'};

    private static Kvrpcpb.Context context(Kvrpcpb.APIVersion version) {
        return Kvrpcpb.Context.newBuilder().setApiVersion(version).build();
    }

    @Test
    void passesV1AndV1TtlRequests() {
        MemoryStorage memory = new MemoryStorage();
        ApiVersionGate gate = new ApiVersionGate(memory);
        gate.write(context(Kvrpcpb.APIVersion.V1), List.of(new Modify.Put(Cf.DEFAULT, KEY, VALUE)));
        try (StorageReader r = gate.reader(context(Kvrpcpb.APIVersion.V1TTL))) {
            assertThat(r.get(Cf.DEFAULT, KEY)).containsExactly(VALUE);
        }
    }

    @Test
    void refusesAV2RequestBeforeItTouchesStorage() {
        MemoryStorage memory = new MemoryStorage();
        ApiVersionGate gate = new ApiVersionGate(memory);
        Kvrpcpb.Context v2 = context(Kvrpcpb.APIVersion.V2);
        assertThatThrownBy(() -> gate.write(v2, List.of(new Modify.Put(Cf.DEFAULT, KEY, VALUE))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("api version not match: the request is API V2, this store keeps keys as API V1"
                        + " (storage.api-version = 1)");
        assertThatThrownBy(() -> gate.reader(v2)).isInstanceOf(InvalidRequestException.class);
        try (StorageReader r = memory.reader(context(Kvrpcpb.APIVersion.V1))) {
            assertThat(r.get(Cf.DEFAULT, KEY))
                    .as("the refused write left nothing behind")
                    .isNull();
        }
    }

    @Test
    void namesAnUnknownVersionByNumber() {
        ApiVersionGate gate = new ApiVersionGate(new MemoryStorage());
        Kvrpcpb.Context v7 = Kvrpcpb.Context.newBuilder().setApiVersionValue(7).build();
        assertThatThrownBy(() -> gate.reader(v7)).hasMessageContaining("the request is API version 7,");
    }
}
