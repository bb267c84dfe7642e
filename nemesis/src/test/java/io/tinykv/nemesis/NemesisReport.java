package io.tinykv.nemesis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The numbers of a run, one row per phase and workload: how long the phase ran, the faults injected,
 * the operations or transactions checked, anomalies found, acknowledged writes lost, and the longest
 * time the workload's clients saw no success; then every injection's evidence. Written to the log and
 * to {@code nemesis.report.dir} (Maven: {@code nemesis/target/nemesis/}).
 */
final class NemesisReport {
    private NemesisReport() {}

    static String format(
            String title, NemesisSettings settings, String disk, List<PhaseResult> phases, List<Verdict> verdicts) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(title).append('\n');
        out.append(String.format(
                Locale.ROOT,
                "settings: minutes=%s hold=%d ms seed=%d; disk-full fault: %s%n",
                settings.minutes(),
                settings.hold().toMillis(),
                settings.seed(),
                disk));
        out.append(String.format(
                Locale.ROOT,
                "%-15s %7s %6s  %-26s %8s %8s %6s %9s %5s %8s%n",
                "phase",
                "minutes",
                "faults",
                "workload",
                "checked",
                "ok",
                "indef",
                "anomalies",
                "lost",
                "gap ms"));
        for (Verdict v : verdicts) {
            PhaseResult p = phases.stream()
                    .filter(r -> r.phase().equals(v.phase()))
                    .findFirst()
                    .orElse(null);
            String minutes = p == null ? "-" : String.format(Locale.ROOT, "%.2f", p.millis() / 60_000.0);
            String faults = p == null ? "0" : Integer.toString(p.injections().size());
            String gap = p == null ? "-" : String.valueOf(p.gapMillis().getOrDefault(v.workload(), -1L));
            out.append(String.format(
                    Locale.ROOT,
                    "%-15s %7s %6s  %-26s %8d %8d %6d %9d %5d %8s%n",
                    v.phase(),
                    minutes,
                    faults,
                    v.workload(),
                    v.checked(),
                    v.ok(),
                    v.indefinite(),
                    v.anomalies(),
                    v.lostWrites(),
                    gap));
        }
        out.append("evidence:\n");
        for (PhaseResult p : phases) {
            for (Injection i : p.injections()) {
                out.append("  [")
                        .append(p.phase())
                        .append("] ")
                        .append(i.fault())
                        .append(": ")
                        .append(i.evidence())
                        .append('\n');
            }
        }
        for (Verdict v : verdicts) {
            if (!v.passed()) {
                out.append("FAILED [")
                        .append(v.phase())
                        .append("] ")
                        .append(v.workload())
                        .append(": ")
                        .append(v.details())
                        .append('\n');
            }
        }
        return out.toString();
    }

    static void write(String fileName, String report) {
        String dir = System.getProperty("nemesis.report.dir");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Files.createDirectories(Path.of(dir));
            Files.writeString(Path.of(dir, fileName), report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the nemesis report to " + dir, e);
        }
    }
}
