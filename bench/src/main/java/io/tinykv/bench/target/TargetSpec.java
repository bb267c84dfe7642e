package io.tinykv.bench.target;

import io.tinykv.security.SecurityConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What to benchmark and where it is: one variant per kind of target. */
public sealed interface TargetSpec {

    /** The name used on the command line and in reports. */
    String kind();

    /**
     * Our store through our own client, {@code io.tinykv.client.raw.RawKvClient}.
     *
     * @param security the client's TLS settings ({@code --ca-path} etc.; disabled: plaintext)
     */
    record TinyKv(List<String> pdAddresses, Duration requestTimeout, SecurityConfig security) implements TargetSpec {
        public TinyKv {
            pdAddresses = requireAddresses(pdAddresses, "--pd");
            security = security == null ? SecurityConfig.disabled() : security;
        }

        /** Plaintext. */
        public TinyKv(List<String> pdAddresses, Duration requestTimeout) {
            this(pdAddresses, requestTimeout, SecurityConfig.disabled());
        }

        @Override
        public String kind() {
            return "tinykv";
        }
    }

    /**
     * A TiKV-compatible store through the official TiKV Java client's RawKV API.
     *
     * @param security the client's TLS settings, handed to its TiConfiguration (disabled: plaintext)
     */
    record TikvClient(List<String> pdAddresses, Duration requestTimeout, SecurityConfig security)
            implements TargetSpec {
        public TikvClient {
            pdAddresses = requireAddresses(pdAddresses, "--pd");
            security = security == null ? SecurityConfig.disabled() : security;
        }

        /** Plaintext. */
        public TikvClient(List<String> pdAddresses, Duration requestTimeout) {
            this(pdAddresses, requestTimeout, SecurityConfig.disabled());
        }

        @Override
        public String kind() {
            return "tikv-client";
        }
    }

    /** etcd through jetcd's KV API. */
    record Etcd(List<String> endpoints, Duration requestTimeout) implements TargetSpec {
        public Etcd {
            endpoints = requireAddresses(endpoints, "--endpoints");
        }

        @Override
        public String kind() {
            return "etcd";
        }
    }

    /**
     * RocksDB in this process, the physical reference: WAL on and, when {@code syncWrites}, every
     * write fsynced before it returns — the setting tinykv standalone uses.
     */
    record RocksDb(Path dataDir, boolean syncWrites) implements TargetSpec {
        public RocksDb {
            if (dataDir == null) {
                throw new IllegalArgumentException("the rocksdb target needs a data directory (--data-dir)");
            }
        }

        @Override
        public String kind() {
            return "rocksdb";
        }
    }

    /** The kinds the command line accepts. */
    List<String> KINDS = List.of("tinykv", "tikv-client", "etcd", "rocksdb");

    private static List<String> requireAddresses(List<String> addresses, String option) {
        if (addresses == null || addresses.isEmpty() || addresses.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("this target needs at least one address (" + option + ")");
        }
        return List.copyOf(addresses);
    }
}
