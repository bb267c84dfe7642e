/**
 * The settings a store process shares with the standalone: {@link io.tinykv.server.config.Config}
 * ({@code [server]}, {@code [storage]}, {@code [limits]}, {@code [pd]}, {@code [security]}), built by
 * {@link io.tinykv.server.config.ConfigLoader} from the defaults, then a TOML file, then command-line
 * overrides, with {@link io.tinykv.server.config.Units} for sizes and durations. A store's own
 * sections ({@code [store]}, {@code [gc]}, {@code [coprocessor]}) extend it in {@code
 * server.store.StoreServerConfig}; the scheduler's settings are the scheduler module's. DESIGN.md §2
 * (listening addresses are settings) and §7 (limits).
 *
 * <p>Rules: every setting has a default, and {@code config/tinykv.example.toml} documents exactly the
 * defaults (a test holds them equal). Unknown sections and keys are refused — a typo must not fall
 * back to a default — and validation at start reports every bad setting at once, by its name, in a
 * {@link io.tinykv.server.config.ConfigException}. Sizes are binary whatever the spelling, as in TiKV.
 */
package io.tinykv.server.config;
