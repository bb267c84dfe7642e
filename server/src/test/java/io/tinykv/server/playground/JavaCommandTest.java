package io.tinykv.server.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaCommandTest {

    @Test
    void theChildRunsWithThisJvmsJavaAndClassPath() {
        JavaCommand java = JavaCommand.ofCurrentJvm(List.of("-Xmx64m"));

        assertThat(java.classPath()).isEqualTo(System.getProperty("java.class.path"));
        assertThat(java.javaBinary()).exists();
        assertThat(java.jvmOptions())
                .startsWith(JavaCommand.EXIT_ON_OUT_OF_MEMORY)
                .endsWith("-Xmx64m")
                .containsAll(JavaCommand.jdkFlags(Runtime.version().feature()));
        List<String> expected = new java.util.ArrayList<>();
        expected.add(java.javaBinary().toString());
        expected.add(JavaCommand.EXIT_ON_OUT_OF_MEMORY);
        expected.addAll(JavaCommand.jdkFlags(Runtime.version().feature()));
        expected.addAll(JavaCommand.memoryAndGcFlags(
                ManagementFactory.getRuntimeMXBean().getInputArguments()));
        expected.addAll(List.of("-Xmx64m", "-cp", java.classPath(), "a.B", "server", "--pd", "h:1"));
        assertThat(java.command("a.B", List.of("server", "--pd", "h:1"))).isEqualTo(expected);
    }

    @Test
    void childrenInheritMemoryAndGcSettingsButNoPerProcessFiles() {
        List<String> parent = List.of(
                "-Xmx1536m",
                "-Xms384m",
                "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=50",
                "-XX:MaxDirectMemorySize=1536m",
                "-Dlogback.configurationFile=x.xml",
                "-XX:StartFlightRecording=filename=parent.jfr",
                "-XX:HeapDumpPath=/tmp/p.hprof",
                "-Xlog:gc:file=gc.log",
                "-agentlib:jdwp=transport=dt_socket,address=5005",
                "--enable-native-access=ALL-UNNAMED");

        assertThat(JavaCommand.memoryAndGcFlags(parent))
                .containsExactly(
                        "-Xmx1536m",
                        "-Xms384m",
                        "-XX:+UseG1GC",
                        "-XX:MaxGCPauseMillis=50",
                        "-XX:MaxDirectMemorySize=1536m");
    }

    @Test
    void jdkFlagsFollowTheJdkVersion() {
        assertThat(JavaCommand.jdkFlags(21)).isEmpty();
        assertThat(JavaCommand.jdkFlags(22)).containsExactly("--enable-native-access=ALL-UNNAMED");
        assertThat(JavaCommand.jdkFlags(25))
                .containsExactly("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED");
    }

    @Test
    void anEmptyClassPathIsRefused() {
        assertThatThrownBy(() -> new JavaCommand(Path.of("java"), " ", List.of()))
                .hasMessageContaining("classPath must not be empty");
    }

    @Test
    void theHandTypedCommandLineQuotesWhatTheShellWouldSplit() {
        ChildSpec spec = new ChildSpec(
                "store1", "127.0.0.1:20160", List.of("server", "--data-dir", "/tmp/my data/it's"), Path.of("x.log"));

        assertThat(spec.tinykvCommandLine()).isEqualTo("tinykv server --data-dir '/tmp/my data/it'\\''s'");
        assertThat(ShellWords.join(List.of("a:1", "", "$x"))).isEqualTo("a:1 '' '$x'");
    }
}
