package io.tinykv.bench.compare;

import io.tinykv.bench.workload.Workload;

/** A workload under the label a comparison shows for it (e.g. W shown as RawPut). */
public record WorkloadCase(String label, Workload workload) {

    public static WorkloadCase of(Workload w) {
        return new WorkloadCase(w.name(), w);
    }
}
