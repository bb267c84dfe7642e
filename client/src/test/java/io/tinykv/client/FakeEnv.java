package io.tinykv.client;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.security.ChannelFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * In-process servers for a {@link FakeCluster}: some PD members and one server per store, under names
 * unique to this environment, plus the channel factory that reaches them.
 */
public final class FakeEnv implements AutoCloseable {
    private static final AtomicInteger ENVIRONMENTS = new AtomicInteger();
    private static final int PD_PORT = 2379;
    private static final int STORE_PORT = 20160;

    private final FakeCluster cluster;
    private final String prefix = "env" + ENVIRONMENTS.incrementAndGet();
    private final List<String> pdAddresses = new ArrayList<>();
    private final FakePd.Membership membership;
    private final Map<String, FakePd> pds = new HashMap<>();
    private final Map<String, Server> servers = new HashMap<>();
    private final LongFunction<BindableService> storeServices;

    public FakeEnv(FakeCluster cluster, int pdMembers) {
        this(cluster, pdMembers, storeId -> new FakeStore(cluster, storeId));
    }

    /**
     * @param storeServices the {@code tikvpb.Tikv} service each store serves, by store id (e.g. a
     *                      transactional one instead of the RawKV {@link FakeStore})
     */
    public FakeEnv(FakeCluster cluster, int pdMembers, LongFunction<BindableService> storeServices) {
        this.cluster = cluster;
        this.storeServices = storeServices;
        for (int i = 0; i < pdMembers; i++) {
            pdAddresses.add(prefix + "-pd" + i + ":" + PD_PORT);
        }
        membership = new FakePd.Membership(pdAddresses);
        for (String address : pdAddresses) {
            FakePd pd = new FakePd(cluster, address, membership);
            pds.put(address, pd);
            start(address, pd);
        }
        for (long storeId : cluster.storeIds()) {
            startStore(storeId, storeAddress(storeId, 0));
        }
    }

    public FakeEnv(FakeCluster cluster) {
        this(cluster, 1);
    }

    /** A fresh address for a store, e.g. for moving it; {@code incarnation} 0 is where it starts. */
    public String storeAddress(long storeId, int incarnation) {
        return prefix + "-store" + storeId + "-" + incarnation + ":" + STORE_PORT;
    }

    /** Serves store {@code storeId} at {@code address} and tells the cluster (so PD reports it). */
    public void startStore(long storeId, String address) {
        cluster.setStoreAddress(storeId, address);
        start(address, storeServices.apply(storeId));
    }

    public void stop(String address) {
        servers.remove(address).shutdownNow();
    }

    public List<String> pdAddresses() {
        return List.copyOf(pdAddresses);
    }

    public FakePd pd(String address) {
        return pds.get(address);
    }

    public FakePd pd() {
        return pds.get(pdAddresses.get(0));
    }

    /** How many {@code method} calls the first PD member received. */
    public int pdCalls(String method) {
        return pd().calls(method);
    }

    public void rewindTso(long millis) {
        membership.rewind(millis);
    }

    /** Moves the TSO's physical time forward, e.g. past the TTL of a lock. */
    public void advanceTso(long millis) {
        membership.rewind(-millis);
    }

    /** Makes {@code address} the PD leader; null: no member leads (an election is under way). */
    public void makePdLeader(String address) {
        membership.leader.set(address);
    }

    public ChannelFactory channelFactory() {
        return address ->
                InProcessChannelBuilder.forName(address).directExecutor().build();
    }

    public ClientConfig config(long backoffBudgetMs) {
        return ClientConfig.of(pdAddresses).withBackoffBudgetMs(backoffBudgetMs);
    }

    public RawKvClient client(Clock clock, long backoffBudgetMs) {
        return RawKvClient.create(config(backoffBudgetMs), channelFactory(), clock);
    }

    private void start(String address, BindableService service) {
        try {
            servers.put(
                    address,
                    InProcessServerBuilder.forName(address)
                            .directExecutor()
                            .addService(service)
                            .build()
                            .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        servers.values().forEach(Server::shutdownNow);
        servers.clear();
    }
}
