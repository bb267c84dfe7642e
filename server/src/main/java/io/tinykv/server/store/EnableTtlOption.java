package io.tinykv.server.store;

import picocli.CommandLine.Option;

/**
 * {@code --[no-]enable-ttl}, the same on every command that runs a store ({@code @Mixin
 * EnableTtlOption enableTtl}): whether raw values carry a TTL, a setting of the data's format.
 */
public final class EnableTtlOption {

    @Option(
            names = "--enable-ttl",
            negatable = true,
            description = {
                "RawKV values carry a TTL, as TiKV's [storage] enable-ttl (storage.enable-ttl;",
                "default off). Fixed when the store's data is created: a store refuses to start with the",
                "other setting."
            })
    private Boolean enableTtl;

    /** {@code config} with the flag on top; {@code config} itself when the flag was not given. */
    public StoreServerConfig over(StoreServerConfig config) {
        if (enableTtl == null) {
            return config;
        }
        return config.withBase(config.base().withStorage(config.base().storage().withEnableTtl(enableTtl)))
                .validate();
    }
}
