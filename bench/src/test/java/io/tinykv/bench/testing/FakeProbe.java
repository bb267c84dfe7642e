package io.tinykv.bench.testing;

import io.tinykv.bench.proc.ServiceProbe;

/** Every port free, every service ready — unless told otherwise. */
public final class FakeProbe implements ServiceProbe {

    public volatile boolean portsFree = true;
    public volatile boolean etcdHealthy = true;
    public volatile boolean tinykvListening = true;

    @Override
    public boolean portFree(String host, int port) {
        return portsFree;
    }

    @Override
    public boolean portOpen(String host, int port) {
        return tinykvListening;
    }

    @Override
    public boolean tinykvServes(String pdAddress) {
        return tinykvListening;
    }

    @Override
    public boolean etcdHealthy(String clientUrl) {
        return etcdHealthy;
    }
}
