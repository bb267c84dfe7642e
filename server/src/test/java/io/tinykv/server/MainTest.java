package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.standalone.StandaloneCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionAndHelp() {
        Run version = run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).contains("tinykv ").contains("6.5.0");
        Run help = run("standalone", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--addr").contains("--data-dir").contains("--config").contains("--status-addr");
        assertThat(run("--help").out()).contains("standalone");
    }

    @Test
    void withoutASubcommandItSaysWhatIsMissing() {
        Run r = run();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("missing subcommand");
    }

    @Test
    void aBadConfigurationStopsWithTheSettingNamed() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[limits]\nmax-key-size = -1\n");
        Run r = run("standalone", "--config", file.toString(), "--data-dir", dir.resolve("d").toString());
        assertThat(r.exitCode()).isEqualTo(StandaloneCommand.EXIT_BAD_CONFIG);
        assertThat(r.err()).contains("limits.max-key-size must be > 0 (got -1)");
        assertThat(Files.exists(dir.resolve("d"))).as("nothing touched on disk").isFalse();
        Run badAddr = run("standalone", "--addr", "nope");
        assertThat(badAddr.exitCode()).isEqualTo(StandaloneCommand.EXIT_BAD_CONFIG);
        assertThat(badAddr.err()).contains("--addr: expected HOST:PORT (got 'nope')");
    }
}
