package io.tinykv.server.playground;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start another JVM like this one: the same {@code java} binary and class path,
 * {@link #EXIT_ON_OUT_OF_MEMORY}, the JVM flags that gRPC's Netty and RocksDB's JNI need on newer
 * JDKs, and any extra options the user gave.
 *
 * @param javaBinary the {@code java} executable
 * @param classPath  the class path, as this JVM has it ({@code java.class.path}, wildcards expanded)
 * @param jvmOptions options placed before {@code -cp}
 */
public record JavaCommand(Path javaBinary, String classPath, List<String> jvmOptions) {
    private static final int JDK_WITH_UNSAFE_WARNINGS = 23;
    private static final int JDK_WITH_NATIVE_ACCESS_WARNINGS = 22;
    /**
     * A store or scheduler out of memory exits (and is restarted or replaced) rather than limping on
     * with threads that died half-way through their work; {@code bin/tinykv} passes it too.
     */
    public static final String EXIT_ON_OUT_OF_MEMORY = "-XX:+ExitOnOutOfMemoryError";

    public JavaCommand {
        Objects.requireNonNull(javaBinary, "javaBinary");
        Objects.requireNonNull(classPath, "classPath");
        if (classPath.isBlank()) {
            throw new IllegalArgumentException("classPath must not be empty");
        }
        jvmOptions = List.copyOf(jvmOptions);
    }

    /** The running JVM's binary and class path, with {@code extraJvmOptions} after the JDK flags. */
    public static JavaCommand ofCurrentJvm(List<String> extraJvmOptions) {
        Path java = ProcessHandle.current().info().command().map(Path::of)
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
        List<String> options = new ArrayList<>();
        options.add(EXIT_ON_OUT_OF_MEMORY);
        options.addAll(jdkFlags(Runtime.version().feature()));
        options.addAll(extraJvmOptions);
        return new JavaCommand(java, System.getProperty("java.class.path"), options);
    }

    /**
     * The flags that silence the warnings newer JDKs print for gRPC's use of {@code sun.misc.Unsafe} and
     * RocksDB's native library loading (the same as {@code bin/tinykv} passes).
     */
    static List<String> jdkFlags(int jdkFeatureVersion) {
        List<String> flags = new ArrayList<>();
        if (jdkFeatureVersion >= JDK_WITH_UNSAFE_WARNINGS) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (jdkFeatureVersion >= JDK_WITH_NATIVE_ACCESS_WARNINGS) {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    /** {@code java <options> -cp <class path> <mainClass> <args...>}. */
    public List<String> command(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary.toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }
}
