package io.tinykv.bench.target;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.security.ChannelFactory;
import io.tinykv.security.TlsCredentials;
import java.util.Optional;

/** tinykv through our own Java client, {@link RawKvClient}, which routes by region through PD. */
public final class TinyKvTarget implements BenchTarget {

    private final TargetSpec.TinyKv spec;
    private RawKvClient client;

    public TinyKvTarget(TargetSpec.TinyKv spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return "tinykv";
    }

    @Override
    public void open() {
        long timeoutMs = spec.requestTimeout().toMillis();
        client = RawKvClient.create(
                ClientConfig.of(spec.pdAddresses()).withTimeoutsMs(timeoutMs, timeoutMs),
                ChannelFactory.withCredentials(
                        TlsCredentials.of(spec.security()).channelCredentials()),
                Clock.system());
    }

    @Override
    public byte[] get(byte[] key) {
        Optional<ByteString> value = client.get(ByteString.copyFrom(key));
        return value.map(ByteString::toByteArray).orElse(null);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        client.put(ByteString.copyFrom(key), ByteString.copyFrom(value));
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
