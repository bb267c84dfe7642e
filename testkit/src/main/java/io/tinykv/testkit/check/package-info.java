/**
 * What every transactional checker reports (DESIGN.md §8): a {@link
 * io.tinykv.testkit.check.CheckResult} of {@link io.tinykv.testkit.check.Anomaly anomalies}, each of an
 * {@link io.tinykv.testkit.check.AnomalyType} named as in Adya's and Elle's papers where they have a
 * name.
 *
 * <p>Rules: a result keeps apart the anomalies that break the model checked (a test fails on any)
 * and those the model allows (e.g. G2 under snapshot isolation), which are reported but never fail
 * a test. Each anomaly carries the transactions that show it, so a failure can be read without
 * rerunning.
 */
package io.tinykv.testkit.check;
