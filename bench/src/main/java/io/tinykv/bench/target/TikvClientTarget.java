package io.tinykv.bench.target;

import java.util.Optional;
import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * Any TiKV-compatible cluster through the official TiKV Java client's RawKV API — against tinykv it
 * measures our server as a TiKV client sees it, against TiKV it measures TiKV.
 */
public final class TikvClientTarget implements BenchTarget {

    private final TargetSpec.TikvClient spec;
    private TiSession session;
    private RawKVClient client;

    public TikvClientTarget(TargetSpec.TikvClient spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return "tikv-client";
    }

    @Override
    public void open() {
        TiConfiguration conf = TiConfiguration.createRawDefault(String.join(",", spec.pdAddresses()));
        conf.setTimeout(spec.requestTimeout().toMillis());
        if (spec.security().enabled()) {
            conf.setTlsEnable(true);
            conf.setTrustCertCollectionFile(spec.security().caPath().toString());
            conf.setKeyCertChainFile(spec.security().certPath().toString());
            conf.setKeyFile(spec.security().keyPath().toString());
        }
        session = TiSession.create(conf);
        client = session.createRawClient();
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
    public void close() throws Exception {
        if (client != null) {
            client.close();
            client = null;
        }
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
