package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --[no-]enable-ttl}, shared by {@code tinykv server} and {@code tinykv standalone}. */
class EnableTtlOptionTest {

    private static final String FILE = "[raftstore]\nnotify-capacity = 16\n[storage]\nenable-ttl = true\n";

    @Test
    void theFlagChangesOnlyEnableTtlAndKeepsEverySectionOfTheFile() {
        StoreServerConfig fromFile = StoreConfigLoader.parse(FILE, "t.toml").validate();

        StoreServerConfig off = parsed("--no-enable-ttl").over(fromFile);

        assertThat(off.base().storage().enableTtl()).isFalse();
        assertThat(off.raftstore()).isEqualTo(fromFile.raftstore());
        assertThat(off.raftstore().notifyCapacity()).isEqualTo(16);
        assertThat(off)
                .isEqualTo(fromFile.withBase(
                        fromFile.base().withStorage(fromFile.base().storage().withEnableTtl(false))));
    }

    @Test
    void withoutTheFlagTheFileDecides() {
        StoreServerConfig fromFile = StoreConfigLoader.parse(FILE, "t.toml").validate();

        assertThat(parsed().over(fromFile)).isSameAs(fromFile);
    }

    private static EnableTtlOption parsed(String... args) {
        EnableTtlOption option = new EnableTtlOption();
        new CommandLine(option).parseArgs(args);
        return option;
    }
}
