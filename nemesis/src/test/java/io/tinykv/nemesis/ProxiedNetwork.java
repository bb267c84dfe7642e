package io.tinykv.nemesis;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The network between the stores: one {@link LinkProxy} in front of each store, and the set of links
 * cut now. A cut is per direction ({@link Link}); the partitions the nemesis makes cut both directions.
 * Clients (this JVM) are never cut: the faults are between stores, as in a network split inside a
 * data centre where the application servers still reach every store.
 */
final class ProxiedNetwork implements AutoCloseable {
    private final List<LinkProxy> proxies = new ArrayList<>();
    private final IntFunction<Optional<Long>> storePid;
    private final int stores;
    private final LinkCounters counters = new LinkCounters();
    private volatile Set<Link> cut = Set.of();

    /**
     * @param stores   how many stores (each gets its proxy now, its real address once it has one: {@link #target})
     * @param storePid the pid of store i's current process, if it runs
     */
    ProxiedNetwork(int stores, IntFunction<Optional<Long>> storePid) {
        this.storePid = storePid;
        this.stores = stores;
        for (int i = 1; i <= stores; i++) {
            int to = i;
            proxies.add(new LinkProxy(to, this::identify, caller -> isCut(caller, to), counters));
        }
    }

    /** Store {@code store}'s (1-based) real address, learned once it bound its port. */
    void target(int store, InetSocketAddress address) {
        proxies.get(store - 1).target(address);
    }

    /** The address store {@code store} (1-based) advertises: its proxy's. */
    String advertisedAddress(int store) {
        return proxies.get(store - 1).address();
    }

    /** Cuts exactly these links (healing any others) and closes what is open on them; returns how many were severed. */
    int cut(Set<Link> links) {
        cut = Set.copyOf(links);
        return proxies.stream().mapToInt(LinkProxy::severCut).sum();
    }

    void heal() {
        cut = Set.of();
    }

    LinkCounters counters() {
        return counters;
    }

    private boolean isCut(int caller, int to) {
        Set<Link> now = cut;
        if (caller == LinkProxy.UNKNOWN) {
            return !now.isEmpty(); // while anything is cut, a connection we cannot place is not let through
        }
        return caller != LinkProxy.CLIENT && now.contains(new Link(caller, to));
    }

    private int identify(Socket accepted) {
        int callerPort = accepted.getPort();
        int proxyPort = accepted.getLocalPort();
        List<Long> candidates = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 1; i <= stores; i++) {
            int store = i;
            storePid.apply(i).ifPresent(pid -> {
                candidates.add(pid);
                owners.add(store);
            });
        }
        candidates.add(ProcessHandle.current().pid());
        owners.add(LinkProxy.CLIENT);
        Optional<Long> owner = SocketOwner.ownerOf(callerPort, proxyPort, candidates);
        return owner.map(pid -> owners.get(candidates.indexOf(pid))).orElse(LinkProxy.UNKNOWN);
    }

    /** Links in both directions between every store in {@code a} and every store in {@code b}. */
    static Set<Link> between(Set<Integer> a, Set<Integer> b) {
        Set<Link> links = new java.util.HashSet<>();
        for (int x : a) {
            for (int y : b) {
                if (x != y) {
                    links.add(new Link(x, y));
                    links.add(new Link(y, x));
                }
            }
        }
        return Set.copyOf(links);
    }

    @Override
    public void close() {
        proxies.forEach(LinkProxy::close);
    }
}
