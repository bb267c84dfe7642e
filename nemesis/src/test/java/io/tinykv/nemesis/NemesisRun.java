package io.tinykv.nemesis;

import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schedule: one phase per fault (the fault injected, held, healed; repeated in a soak), then a
 * phase that mixes them all in random order. Between injections the run waits until every workload
 * has succeeded again, so a fault never lands on a cluster still recovering from the last one, and a
 * cluster that does not recover fails the test.
 */
final class NemesisRun {
    private static final Logger LOG = LoggerFactory.getLogger(NemesisRun.class);

    private final Nemesis nemesis;
    private final List<PhasedWorkload> workloads;
    private final NemesisSettings settings;
    private final Duration recovery;
    private final String prefix;

    /**
     * @param recovery how long the workloads may take to succeed again after a fault is healed
     * @param prefix   makes this run's keys its own
     */
    NemesisRun(
            Nemesis nemesis,
            List<PhasedWorkload> workloads,
            NemesisSettings settings,
            Duration recovery,
            String prefix) {
        this.nemesis = nemesis;
        this.workloads = List.copyOf(workloads);
        this.settings = settings;
        this.recovery = recovery;
        this.prefix = prefix;
    }

    /**
     * Runs every phase; the workloads' threads must already run (in a first, calm phase).
     *
     * @param perFaultPhases a phase for each fault before the mix; without them (a shorter run) the mix
     *                       injects every fault once, in a random order, before it picks at random
     */
    List<PhaseResult> run(List<Fault> faults, boolean perFaultPhases) throws Exception {
        List<PhaseResult> results = new ArrayList<>();
        int phases = perFaultPhases ? faults.size() + 1 : 1;
        Duration length = settings.phaseLength(phases);
        if (perFaultPhases) {
            for (Fault fault : faults) {
                results.add(phase(Fault.name(fault), length, 1, random -> fault));
            }
            results.add(phase(
                    "mix",
                    length,
                    NemesisSettings.MIX_INJECTIONS_SHORT,
                    random -> faults.get(random.nextInt(faults.size()))));
        } else {
            List<Fault> eachOnce = new ArrayList<>(faults);
            java.util.Collections.shuffle(eachOnce, new java.util.Random(settings.seed()));
            java.util.Iterator<Fault> first = eachOnce.iterator();
            results.add(phase(
                    "mix",
                    length,
                    faults.size(),
                    random -> first.hasNext() ? first.next() : faults.get(random.nextInt(faults.size()))));
        }
        return results;
    }

    private PhaseResult phase(
            String name, Duration length, int minInjections, java.util.function.Function<SplittableRandom, Fault> next)
            throws Exception {
        SplittableRandom random = new SplittableRandom(settings.seed() ^ name.hashCode());
        for (PhasedWorkload w : workloads) {
            w.beginPhase(name, prefix + "/" + name);
        }
        awaitEveryWorkloadSucceeds("the start of phase " + name);
        long start = System.nanoTime();
        List<Injection> injections = new ArrayList<>();
        while (injections.size() < minInjections || System.nanoTime() - start < length.toNanos()) {
            Injection injection = nemesis.inject(next.apply(random));
            injections.add(injection);
            if (!injection.confirmed()) {
                throw new AssertionError("the fault was not injected: " + injection);
            }
            awaitEveryWorkloadSucceeds("after " + injection.fault() + " was healed");
        }
        nemesis.reviveStoreStoppedByFullDisk();
        long millis = (System.nanoTime() - start) / 1_000_000;
        Map<String, Long> gaps = new LinkedHashMap<>();
        for (PhasedWorkload w : workloads) {
            gaps.put(w.name(), w.endPhase());
        }
        LOG.info("phase {} done in {} ms: {} injections, longest gaps {}", name, millis, injections.size(), gaps);
        return new PhaseResult(name, millis, List.copyOf(injections), gaps);
    }

    /** Waits until every workload has one more success than now. */
    private void awaitEveryWorkloadSucceeds(String when) {
        long[] before =
                workloads.stream().mapToLong(PhasedWorkload::phaseSuccesses).toArray();
        long deadline = System.nanoTime() + recovery.toNanos();
        for (int i = 0; i < workloads.size(); i++) {
            PhasedWorkload w = workloads.get(i);
            long last = before[i];
            Await.until(
                    () -> w.phaseSuccesses() > last,
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                    w.name() + " makes progress " + when + " (all within " + recovery + ")");
        }
    }
}
