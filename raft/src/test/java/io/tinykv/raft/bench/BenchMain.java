package io.tinykv.raft.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the raft benchmarks. JMH's command-line options pass through, e.g. {@code -wi 2 -i 3 -f 1}.
 *
 * <pre>
 * mvn -B -pl raft -am -Pjmh -DskipTests verify                      # defaults from the annotations
 * mvn -B -pl raft -am -Pjmh -DskipTests verify -Djmh.args="-wi 2 -i 3 -w 1s -r 2s"
 * </pre>
 *
 * The jmh profile turns on JMH's annotation processor for the test sources and runs this class with
 * the test classpath (exec-maven-plugin); the default build only compiles the benchmark.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            options.include(ProposalThroughputBenchmark.class.getName());
        }
        new Runner(options.build()).run();
    }
}
