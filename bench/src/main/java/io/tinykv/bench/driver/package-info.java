/**
 * The closed-loop workload driver: {@link io.tinykv.bench.driver.BenchDriver} loads the records and
 * runs a {@link io.tinykv.bench.driver.DriverConfig} against one {@code BenchTarget}, each of its
 * client threads issuing its next operation as soon as the previous one completes, and returns a
 * {@link io.tinykv.bench.driver.RunResult} (latency percentiles, a time series, error samples).
 * DESIGN.md §8, performance.
 *
 * <p>Rules: the calling thread is the coordinator (it harvests the interval histograms and prints
 * progress); the clients, in a {@link io.tinykv.bench.driver.ClientGroup}, only record. An operation
 * counts by when it <em>started</em>: started in the warm-up, it is left out of every statistic.
 * All time comes from the {@code Clock} passed in, so tests drive a whole run on virtual time. A
 * failed operation is counted; only a run that cannot be carried out throws {@link
 * io.tinykv.bench.driver.BenchException}.
 */
package io.tinykv.bench.driver;
