package io.tinykv.bench;

import io.tinykv.bench.compare.WorkloadCase;
import io.tinykv.bench.workload.Workload;
import java.util.List;

/** Parsing of the comma-separated lists the comparison subcommands take. */
final class ListParsing {

    private ListParsing() {}

    static List<WorkloadCase> workloads(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("give at least one workload");
        }
        return names.stream().map(Workload::named).map(WorkloadCase::of).toList();
    }

    static List<Integer> clients(List<Integer> counts) {
        if (counts.isEmpty() || counts.stream().anyMatch(c -> c == null || c < 1)) {
            throw new IllegalArgumentException("client counts must be positive, got " + counts);
        }
        return List.copyOf(counts);
    }
}
