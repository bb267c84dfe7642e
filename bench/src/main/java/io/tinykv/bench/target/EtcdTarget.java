package io.tinykv.bench.target;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd through jetcd. Reads are etcd's default linearizable reads (a quorum round-trip), the same
 * guarantee tinykv's ReadIndex reads give; writes are acknowledged after etcd's WAL fsync.
 */
public final class EtcdTarget implements BenchTarget {

    private final TargetSpec.Etcd spec;
    private Client client;
    private KV kv;

    public EtcdTarget(TargetSpec.Etcd spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public void open() {
        List<String> urls = spec.endpoints().stream().map(EtcdTarget::asUrl).toList();
        client = Client.builder().endpoints(urls.toArray(String[]::new)).build();
        kv = client.getKVClient();
    }

    /** jetcd wants URLs; the command line also accepts bare host:port. */
    static String asUrl(String endpoint) {
        return endpoint.contains("://") ? endpoint : "http://" + endpoint;
    }

    @Override
    public byte[] get(byte[] key) throws Exception {
        GetResponse response =
                kv.get(ByteSequence.from(key)).get(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return response.getKvs().isEmpty()
                ? null
                : response.getKvs().get(0).getValue().getBytes();
    }

    @Override
    public void put(byte[] key, byte[] value) throws Exception {
        kv.put(ByteSequence.from(key), ByteSequence.from(value))
                .get(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
            kv = null;
        }
    }
}
