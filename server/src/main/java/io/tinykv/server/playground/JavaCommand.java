package io.tinykv.server.playground;

import java.lang.management.ManagementFactory;
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

    /**
     * The running JVM's binary and class path; then the JDK flags, this JVM's memory and GC settings
     * (those {@code bin/tinykv} chose, see {@link #memoryAndGcFlags}), and {@code extraJvmOptions}
     * last, so that a child option overrides an inherited one.
     */
    public static JavaCommand ofCurrentJvm(List<String> extraJvmOptions) {
        Path java = ProcessHandle.current()
                .info()
                .command()
                .map(Path::of)
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
        List<String> options = new ArrayList<>();
        options.add(EXIT_ON_OUT_OF_MEMORY);
        options.addAll(jdkFlags(Runtime.version().feature()));
        options.addAll(memoryAndGcFlags(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        options.addAll(extraJvmOptions);
        return new JavaCommand(java, System.getProperty("java.class.path"), options);
    }

    /**
     * The options of {@code parentArguments} that size memory or pick the collector: heap
     * ({@code -Xms}, {@code -Xmx}, {@code -Xss}) and {@code -XX:} flags. A child is a store or the
     * scheduler like its parent would be, so it runs with the same settings. Left out are the
     * {@code -XX:} flags that name a file or a port of this process (flight recordings, heap dumps,
     * error and GC logs), which children sharing them would overwrite.
     */
    static List<String> memoryAndGcFlags(List<String> parentArguments) {
        List<String> flags = new ArrayList<>();
        for (String arg : parentArguments) {
            boolean sizing = arg.startsWith("-Xms") || arg.startsWith("-Xmx") || arg.startsWith("-Xss");
            boolean perProcessFile = arg.startsWith("-XX:StartFlightRecording")
                    || arg.startsWith("-XX:FlightRecorder")
                    || arg.startsWith("-XX:HeapDumpPath")
                    || arg.startsWith("-XX:ErrorFile")
                    || arg.startsWith("-XX:LogFile")
                    || arg.startsWith("-Xlog");
            if (sizing || (arg.startsWith("-XX:") && !perProcessFile)) {
                flags.add(arg);
            }
        }
        return flags;
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
