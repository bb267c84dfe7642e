package io.tinykv.nemesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the workloads on a cluster through the whole schedule ({@link NemesisRun}), then checks every
 * phase's histories and writes the report: the part both tests share.
 */
final class NemesisHarness {
    private static final Logger LOG = LoggerFactory.getLogger(NemesisHarness.class);
    static final Duration STARTUP = Duration.ofMinutes(5);
    /** A restarted JVM on a loaded two-core machine: start-up, RocksDB open, registration. */
    static final Duration RESTART = Duration.ofSeconds(90);
    /** After a fault is healed: an election, the scheduler's heartbeat, the clients' backoff. */
    static final Duration RECOVERY = Duration.ofSeconds(90);

    private static final Duration STOP = Duration.ofSeconds(90);
    private static final String CALM = "calm";

    private NemesisHarness() {}

    /**
     * @param registers register workloads (threads not started)
     * @param txns      transactional workloads (threads not started)
     * @param perFaultPhases one phase per fault before the mix; else only the mix, each fault in it at least once
     * @return the report
     */
    static String run(
            String title,
            NemesisCluster cluster,
            List<RegisterWorkload> registers,
            List<TxnWorkload> txns,
            int threadsEach,
            NemesisSettings settings,
            boolean perFaultPhases,
            Nemesis.WritePressure pressure)
            throws Exception {
        List<PhasedWorkload> all = new ArrayList<>(registers);
        all.addAll(txns);
        String prefix = "nemesis-" + settings.seed();
        for (PhasedWorkload w : all) {
            w.beginPhase(CALM, prefix + "/" + CALM);
        }
        for (RegisterWorkload r : registers) {
            r.start(threadsEach, settings.seed());
        }
        for (TxnWorkload t : txns) {
            t.start(threadsEach, settings.seed());
        }
        // The opening calm phase lasts until every workload has committed something: on a loaded
        // machine a client's first operations (connections, region cache) can outlast a fixed calm
        // phase, and "every workload committed something in every phase" then failed for no
        // fault's sake (seen once: our client's registers, 0 of 8 in the calm phase, load 20-30).
        Await.until(
                () -> all.stream().allMatch(w -> w.phaseSuccesses() > 0),
                STARTUP,
                () -> "every workload committed something in the opening calm phase: "
                        + all.stream()
                                .map(w -> w.name() + "=" + w.phaseSuccesses())
                                .toList());
        boolean withDisk = cluster.disk().isPresent();
        List<Fault> faults = settings.select(Fault.all(withDisk));
        Nemesis nemesis = new Nemesis(cluster, settings.hold(), RESTART, pressure);
        List<PhaseResult> phases;
        try {
            phases = new NemesisRun(nemesis, all, settings, RECOVERY, prefix).run(faults, perFaultPhases);
        } finally {
            for (RegisterWorkload r : registers) {
                r.stop(STOP);
            }
            for (TxnWorkload t : txns) {
                t.stop(STOP);
            }
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (RegisterWorkload r : registers) {
            for (RegisterPhase phase : r.phases()) {
                verdicts.add(Verdict.registers(r, phase));
            }
        }
        for (TxnWorkload t : txns) {
            for (TxnPhase phase : t.phases()) {
                verdicts.add(Verdict.transactions(t, phase));
            }
        }
        String disk = withDisk
                ? "on (a tmpfs under store" + cluster.diskStore() + ")"
                : settings.diskFull()
                        ? "OFF: this process cannot mount a tmpfs (not root?)"
                        : "off (-Dnemesis.diskFull=false)";
        String report = NemesisReport.format(title, settings, disk, phases, verdicts);
        LOG.info("nemesis report\n{}", report);
        NemesisReport.write(title.replaceAll("[^A-Za-z0-9]+", "-") + ".txt", report);

        assertThat(phases).as("every fault had its phase, and the mix").hasSize(perFaultPhases ? faults.size() + 1 : 1);
        assertThat(phases)
                .allSatisfy(p ->
                        assertThat(p.injections()).as(p.phase()).isNotEmpty().allMatch(Injection::confirmed));
        assertThat(verdicts).as(report).allMatch(Verdict::passed);
        assertThat(verdicts)
                .as("every workload committed something in every phase\n%s", report)
                .allMatch(v -> v.ok() > 0);
        assertThat(cluster.unexpectedExits())
                .as("no store stopped except the ones the nemesis stopped")
                .isEmpty();
        return report;
    }
}
