package io.tinykv.compat;

import java.util.Comparator;
import java.util.Map;

/**
 * The stacks of this JVM's threads as text, for a failure message: when a workload stalls, what the
 * client's threads were waiting on is the first thing to know, and the process is gone afterwards.
 */
final class ThreadDump {

    /** Enough frames to see which client call a thread is in, few enough to keep the message readable. */
    private static final int FRAMES_PER_THREAD = 25;

    private ThreadDump() {}

    static String ofThisJvm() {
        StringBuilder out = new StringBuilder("---- threads of the test JVM\n");
        Thread.getAllStackTraces().entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().getName()))
                .forEach(e -> append(out, e));
        return out.toString();
    }

    private static void append(StringBuilder out, Map.Entry<Thread, StackTraceElement[]> entry) {
        Thread thread = entry.getKey();
        out.append('"')
                .append(thread.getName())
                .append("\" ")
                .append(thread.getState())
                .append('\n');
        StackTraceElement[] frames = entry.getValue();
        for (int i = 0; i < Math.min(frames.length, FRAMES_PER_THREAD); i++) {
            out.append("    at ").append(frames[i]).append('\n');
        }
        if (frames.length > FRAMES_PER_THREAD) {
            out.append("    ... ").append(frames.length - FRAMES_PER_THREAD).append(" more\n");
        }
    }
}
