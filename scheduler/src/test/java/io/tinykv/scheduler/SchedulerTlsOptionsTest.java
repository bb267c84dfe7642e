package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tinykv scheduler}'s [security] settings (flags and --config) refused at start-up when unusable. */
class SchedulerTlsOptionsTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String err) {}

    private Run run(String... args) {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new SchedulerCommand())
                .setErr(new PrintWriter(err))
                .execute(args);
        return new Run(code, err.toString());
    }

    @Test
    void someButNotAllPathsAreRefusedBeforeTheMetadataIsOpened() {
        Path data = dir.resolve("data");
        Run run = run("--data-dir", data.toString(), "--addr", "127.0.0.1:0", "--cert-path", "store.pem");
        assertThat(run.exitCode()).isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(run.err()).contains("ca-path, cert-path and key-path must be set together");
        assertThat(data).doesNotExist();
    }

    @Test
    void theConfigFileTakesASecuritySectionOnly() throws Exception {
        Path file = dir.resolve("scheduler.toml");
        Files.writeString(
                file,
                "[security]\nca-path = \"" + dir.resolve("missing-ca.pem") + "\"\ncert-path = \"" + dir.resolve("s.pem")
                        + "\"\nkey-path = \"" + dir.resolve("s-key.pem") + "\"\n[server]\naddr = \"x\"\n");
        Run run =
                run("--data-dir", dir.resolve("data").toString(), "--addr", "127.0.0.1:0", "--config", file.toString());
        assertThat(run.exitCode()).isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(run.err()).contains("unknown setting 'server'");

        Files.writeString(
                file,
                "[security]\nca-path = \"" + dir.resolve("missing-ca.pem") + "\"\ncert-path = \"" + dir.resolve("s.pem")
                        + "\"\nkey-path = \"" + dir.resolve("s-key.pem") + "\"\n");
        Run missing =
                run("--data-dir", dir.resolve("data").toString(), "--addr", "127.0.0.1:0", "--config", file.toString());
        assertThat(missing.exitCode()).isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(missing.err())
                .contains("security.ca-path: " + dir.resolve("missing-ca.pem") + " does not exist or is not a file");
    }
}
