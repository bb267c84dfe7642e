package io.tinykv.raft.interaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raft.RaftException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every script under {@code src/test/resources/interaction} as one dynamic test, comparing each
 * command's output with the expected output written below it.
 *
 * <p>After a deliberate behaviour change, regenerate the expected outputs and review the diff:
 * {@code mvn -B -q -pl raft -am test -Dtest=InteractionTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dinteraction.rewrite=true}. Rewriting edits the source files, not the copies under target/.
 */
class InteractionTest {
    private static final Path SOURCE_DIR = Path.of("src", "test", "resources", "interaction");

    @TestFactory
    Stream<DynamicTest> scripts() throws IOException, URISyntaxException {
        Path dir = scriptDir();
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).as("interaction scripts in %s", dir).isNotEmpty();
        boolean rewrite = Boolean.getBoolean("interaction.rewrite");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f, rewrite)));
    }

    /** The source directory when run from the module (so rewrite edits the real files), else the classpath copy. */
    private static Path scriptDir() throws URISyntaxException {
        if (Files.isDirectory(SOURCE_DIR)) {
            return SOURCE_DIR;
        }
        URL url = InteractionTest.class.getClassLoader().getResource("interaction");
        assertThat(url).as("interaction scripts on the classpath").isNotNull();
        return Path.of(url.toURI());
    }

    private static void run(Path file, boolean rewrite) throws IOException {
        String name = file.getFileName().toString();
        InteractionScript script = InteractionScript.parse(Files.readAllLines(file), name);
        assertThat(script.blocks()).as("commands in %s", name).isNotEmpty();
        InteractionEnv env = new InteractionEnv();
        List<List<String>> outputs = new ArrayList<>();
        for (InteractionScript.Block block : script.blocks()) {
            List<String> actual = execute(env, block.command());
            if (!rewrite) {
                assertThat(String.join("\n", actual))
                        .as("%s:%d: output of '%s'", name, block.lineNumber(), block.command())
                        .isEqualTo(String.join("\n", block.expected()));
            }
            outputs.add(actual);
        }
        if (rewrite) {
            Files.write(file, script.render(outputs));
            InteractionScript reread = InteractionScript.parse(Files.readAllLines(file), name);
            assertThat(reread.blocks()).hasSameSizeAs(script.blocks());
        }
    }

    /**
     * Bad input and refused operations become output lines (so scripts can test them); broken
     * invariants (SafetyViolation, an AssertionError) and unexpected exceptions fail the test.
     */
    private static List<String> execute(InteractionEnv env, String command) {
        try {
            return env.execute(command).stream().map(String::stripTrailing).toList();
        } catch (RaftException | IllegalArgumentException | IllegalStateException e) {
            return List.of("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
