package io.tinykv.server.store;

import picocli.CommandLine.Option;

/**
 * {@code --[no-]hibernate-regions} of {@code tinykv server} ({@code @Mixin HibernateRegionsOption}):
 * whether idle regions stop ticking, over {@code [raftstore] hibernate-regions}.
 */
public final class HibernateRegionsOption {

    @Option(
            names = "--hibernate-regions",
            negatable = true,
            description = {
                "Idle regions stop ticking and heartbeating until something wakes them, as TiKV's",
                "raftstore.hibernate-regions (default on)."
            })
    private Boolean hibernateRegions;

    /** {@code config} with the flag on top; {@code config} itself when the flag was not given. */
    public StoreServerConfig over(StoreServerConfig config) {
        if (hibernateRegions == null) {
            return config;
        }
        return config.withRaftstore(config.raftstore().withHibernateRegions(hibernateRegions))
                .validate();
    }
}
