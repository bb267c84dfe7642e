package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every package of every module's main sources says in one place what it is: a {@code
 * package-info.java} whose Javadoc comment, before the {@code package} line, has some text. A reader
 * should find a concept from its package's name and then learn there what the package is for and
 * which rules it keeps. Walks the repository from this module's directory ({@code ..}), so a new
 * module or package is covered without touching this test.
 */
class PackageDocsTest {

    private static final Path REPOSITORY = Path.of("..");

    /** The Javadoc comment that must come before the {@code package} declaration. */
    private static final Pattern PACKAGE_DOC =
            Pattern.compile("\\A\\s*/\\*\\*(.*?)\\*/\\s*(?:@[\\w.]+(?:\\([^)]*\\))?\\s*)*package\\s", Pattern.DOTALL);

    @Test
    void everyMainPackageHasAPackageInfoWithItsJavadoc() throws IOException {
        List<Path> sourceRoots = mainSourceRoots();
        // Guard against walking the wrong directory and passing on nothing.
        assertThat(sourceRoots)
                .as("main source roots under %s", REPOSITORY.toAbsolutePath().normalize())
                .contains(REPOSITORY.resolve("server/src/main/java"), REPOSITORY.resolve("raft/src/main/java"));

        List<String> problems = new ArrayList<>();
        int packages = 0;
        for (Path root : sourceRoots) {
            for (Path dir : packageDirectories(root)) {
                packages++;
                String problem = problem(dir.resolve("package-info.java"));
                if (problem != null) {
                    problems.add(REPOSITORY.relativize(dir) + ": " + problem);
                }
            }
        }
        assertThat(packages).as("packages found").isGreaterThan(sourceRoots.size());
        assertThat(problems)
                .as("packages without a package-info.java that says what the package is for, its main types and"
                        + " its rules (see raftstore's for the house style)")
                .isEmpty();
    }

    @Test
    void aPackageInfoWithoutTextIsReported(@TempDir Path dir) throws IOException {
        Path info = dir.resolve("package-info.java");
        assertThat(problem(info)).contains("no package-info.java");
        Files.writeString(info, "package io.example;\n");
        assertThat(problem(info)).contains("no Javadoc comment");
        Files.writeString(info, "/**\n *\n */\npackage io.example;\n");
        assertThat(problem(info)).contains("empty");
        Files.writeString(info, "package io.example;\n/** Too late: this documents nothing. */\n");
        assertThat(problem(info)).contains("no Javadoc comment");
        Files.writeString(info, "/* Not Javadoc. */\npackage io.example;\n");
        assertThat(problem(info)).contains("no Javadoc comment");
        Files.writeString(info, "/**\n * What it is for.\n */\npackage io.example;\n");
        assertThat(problem(info)).isNull();
    }

    /** {@code <module>/src/main/java} of every module that has one. */
    private static List<Path> mainSourceRoots() throws IOException {
        try (Stream<Path> modules = Files.list(REPOSITORY)) {
            return modules.map(m -> m.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .sorted()
                    .toList();
        }
    }

    /** The directories under {@code root} that hold Java sources other than a package-info. */
    private static List<Path> packageDirectories(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.getFileName().toString().equals("package-info.java"))
                    .map(Path::getParent)
                    .distinct()
                    .sorted()
                    .toList();
        }
    }

    /** What is wrong with a package-info, or null when it has its Javadoc. */
    private static String problem(Path info) {
        if (!Files.isRegularFile(info)) {
            return "no package-info.java";
        }
        String source;
        try {
            source = Files.readString(info);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher m = PACKAGE_DOC.matcher(source);
        if (!m.find()) {
            return "no Javadoc comment before its package declaration";
        }
        String text = m.group(1).replaceAll("(?m)^\\s*\\*", "").strip();
        return text.isEmpty() ? "its Javadoc comment is empty" : null;
    }
}
