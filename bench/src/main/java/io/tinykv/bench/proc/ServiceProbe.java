package io.tinykv.bench.proc;

/** Asks whether a started service is ready; tests substitute answers. */
public interface ServiceProbe {

    /** Whether nothing listens on {@code host:port} yet (so the benchmark may bind it). */
    boolean portFree(String host, int port);

    /** Whether something accepts connections on {@code host:port}. */
    boolean portOpen(String host, int port);

    /** Whether a tinykv cluster behind the PD at {@code pdAddress} acknowledges a write and reads it back. */
    boolean tinykvServes(String pdAddress);

    /** Whether the etcd member at {@code clientUrl} reports itself healthy (which needs a quorum). */
    boolean etcdHealthy(String clientUrl);
}
