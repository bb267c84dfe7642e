package io.tinykv.testkit.check;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a checker found.
 *
 * @param anomalies violations of the checked isolation level; the history is valid iff empty
 * @param allowed anomalies that the isolation level permits (G2 under snapshot isolation), for
 *     information only
 */
public record CheckResult(List<Anomaly> anomalies, List<Anomaly> allowed) {

  public CheckResult {
    anomalies = List.copyOf(anomalies);
    allowed = List.copyOf(allowed);
  }

  public boolean valid() {
    return anomalies.isEmpty();
  }

  /** The types of the violations found. */
  public Set<AnomalyType> types() {
    Set<AnomalyType> types = EnumSet.noneOf(AnomalyType.class);
    for (Anomaly a : anomalies) {
      types.add(a.type());
    }
    return types;
  }

  public boolean has(AnomalyType type) {
    return types().contains(type);
  }

  /** A multi-line report suitable for a test failure message. */
  public String report() {
    StringBuilder out = new StringBuilder(valid() ? "valid" : "INVALID: " + anomalies.size() + " anomalies");
    for (Anomaly a : anomalies) {
      out.append("\n- ").append(a.describe());
    }
    for (Anomaly a : allowed) {
      out.append("\n- (allowed under SI) ").append(a.describe());
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return report();
  }
}
