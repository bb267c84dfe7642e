package io.tinykv.nemesis;

import io.tinykv.testkit.linear.RegisterOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One phase of the register workload: its own keys (so that its history is checked on its own), the
 * register history, and the acknowledged writes of keys of their own that must all be found again.
 */
final class RegisterPhase {
    private final String name;
    private final String prefix;
    private final List<String> keys;
    private final List<RegisterOp> history = new CopyOnWriteArrayList<>();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    RegisterPhase(String name, String prefix, int registerKeys) {
        this.name = name;
        this.prefix = prefix;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < registerKeys; i++) {
            k.add(prefix + "/reg/" + i);
        }
        this.keys = List.copyOf(k);
    }

    String name() {
        return name;
    }

    String prefix() {
        return prefix;
    }

    List<String> keys() {
        return keys;
    }

    int nextId() {
        return nextId.getAndIncrement();
    }

    void record(RegisterOp op) {
        history.add(op);
    }

    void acknowledge(String key, String value) {
        acknowledged.put(key, value);
    }

    List<RegisterOp> history() {
        return List.copyOf(history);
    }

    Map<String, String> acknowledged() {
        return Map.copyOf(acknowledged);
    }
}
