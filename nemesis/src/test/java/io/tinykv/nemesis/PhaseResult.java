package io.tinykv.nemesis;

import java.util.List;
import java.util.Map;

/**
 * One phase of a nemesis run as it happened.
 *
 * @param gapMillis per workload, the longest time without a successful operation
 */
record PhaseResult(String phase, long millis, List<Injection> injections, Map<String, Long> gapMillis) {}
