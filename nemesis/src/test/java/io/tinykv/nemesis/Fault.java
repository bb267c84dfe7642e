package io.tinykv.nemesis;

import java.util.List;

/** The faults the nemesis injects into a running cluster, one at a time. */
sealed interface Fault {
    /** SIGKILL the leader's store, then start it again on the same data. */
    record Kill() implements Fault {}

    /** SIGSTOP the leader's store for longer than an election timeout, then SIGCONT. */
    record Pause() implements Fault {}

    /** Cut the leader's store from both others (both directions); clients still reach every store. */
    record IsolateLeader() implements Fault {}

    /** Cut one follower's store from the other two: a 1|2 split in which the leader keeps its majority. */
    record SplitOneTwo() implements Fault {}

    /** Cut the leader's store from one follower only: both still see the middle store (a bridge). */
    record Bridge() implements Fault {}

    /** Fill the tmpfs under one store's data directory until ENOSPC, then free it. */
    record DiskFull() implements Fault {}

    /** Every fault; {@code withDisk} false leaves out the disk-full fault (no tmpfs). */
    static List<Fault> all(boolean withDisk) {
        List<Fault> network = List.of(new Kill(), new Pause(), new IsolateLeader(), new SplitOneTwo(), new Bridge());
        if (!withDisk) {
            return network;
        }
        List<Fault> all = new java.util.ArrayList<>(network);
        all.add(new DiskFull());
        return List.copyOf(all);
    }

    static String name(Fault fault) {
        return switch (fault) {
            case Kill k -> "kill";
            case Pause p -> "pause";
            case IsolateLeader i -> "isolate-leader";
            case SplitOneTwo s -> "split-1|2";
            case Bridge b -> "bridge";
            case DiskFull d -> "disk-full";
        };
    }
}
