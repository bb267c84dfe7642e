package io.tinykv.bench.target;

/** Makes the target a {@link TargetSpec} describes; tests substitute their own. */
@FunctionalInterface
public interface TargetFactory {

    BenchTarget create(TargetSpec spec);

    /** The real targets. */
    TargetFactory DEFAULT = spec -> switch (spec) {
        case TargetSpec.TinyKv t -> new TinyKvTarget(t);
        case TargetSpec.TikvClient t -> new TikvClientTarget(t);
        case TargetSpec.Etcd t -> new EtcdTarget(t);
        case TargetSpec.RocksDb t -> new RocksDbTarget(t);
    };
}
