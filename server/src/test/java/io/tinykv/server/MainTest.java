package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.standalone.StandaloneCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    /**
     * picocli formats every option's description with {@code String.format}: a lone {@code %} (say,
     * "5% of the disk") makes {@code --help} print "[picocli WARN] Could not format" lines before the
     * usage. Every description written in the source, on every command and mixin, must format.
     */
    @Test
    void everyOptionDescriptionOfEveryCommandFormats() {
        java.util.List<String> broken = new java.util.ArrayList<>();
        java.util.ArrayDeque<CommandLine.Model.CommandSpec> specs = new java.util.ArrayDeque<>();
        specs.add(Main.commandLine().getCommandSpec());
        java.util.Set<Class<?>> seen = new java.util.HashSet<>();
        int descriptions = 0;
        while (!specs.isEmpty()) {
            CommandLine.Model.CommandSpec spec = specs.poll();
            spec.subcommands().values().forEach(c -> specs.add(c.getCommandSpec()));
            specs.addAll(spec.mixins().values());
            Object user = spec.userObject();
            if (user == null || !seen.add(user.getClass())) {
                continue;
            }
            for (Class<?> c = user.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                java.util.List<java.lang.reflect.AccessibleObject> members =
                        new java.util.ArrayList<>(java.util.List.of(c.getDeclaredFields()));
                members.addAll(java.util.List.of(c.getDeclaredMethods()));
                for (java.lang.reflect.AccessibleObject member : members) {
                    CommandLine.Option option = member.getAnnotation(CommandLine.Option.class);
                    CommandLine.Parameters parameters = member.getAnnotation(CommandLine.Parameters.class);
                    String[] lines = option != null
                            ? option.description()
                            : parameters != null ? parameters.description() : new String[0];
                    for (String line : lines) {
                        descriptions++;
                        try {
                            String.format(line);
                        } catch (java.util.IllegalFormatException e) {
                            broken.add(c.getSimpleName() + ": " + line);
                        }
                    }
                }
            }
        }
        assertThat(descriptions).as("descriptions looked at").isGreaterThan(100);
        assertThat(broken).as("descriptions with an unescaped %% (write %%%%)").isEmpty();
        assertThat(CommandRun.of("server", "--help").out()).contains("default 5% of the disk");
    }

    @Test
    void versionAndHelp() {
        CommandRun version = CommandRun.of("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).contains("tinykv ").contains("6.5.0");
        CommandRun help = CommandRun.of("standalone", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out())
                .contains("--addr")
                .contains("--data-dir")
                .contains("--config")
                .contains("--status-addr");
        assertThat(CommandRun.of("--help").out()).contains("standalone");
    }

    @Test
    void withoutASubcommandItSaysWhatIsMissing() {
        CommandRun r = CommandRun.of();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("missing subcommand");
    }

    @Test
    void aBadConfigurationStopsWithTheSettingNamed() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[limits]\nmax-key-size = -1\n");
        CommandRun r = CommandRun.of(
                "standalone",
                "--config",
                file.toString(),
                "--data-dir",
                dir.resolve("d").toString());
        assertThat(r.exitCode()).isEqualTo(StandaloneCommand.EXIT_BAD_CONFIG);
        assertThat(r.err()).contains("limits.max-key-size must be > 0 (got -1)");
        assertThat(Files.exists(dir.resolve("d"))).as("nothing touched on disk").isFalse();
        CommandRun badAddr = CommandRun.of("standalone", "--addr", "nope");
        assertThat(badAddr.exitCode()).isEqualTo(StandaloneCommand.EXIT_BAD_CONFIG);
        assertThat(badAddr.err()).contains("--addr: expected HOST:PORT (got 'nope')");
    }
}
