/**
 * The {@code bench} command line, the "performance" row of DESIGN.md §8: {@link
 * io.tinykv.bench.BenchCommand} and one subcommand per way of measuring — {@link
 * io.tinykv.bench.RunCommand} (one workload against one running system), {@link
 * io.tinykv.bench.CompareEtcdCommand}, {@link io.tinykv.bench.BaselineCommand} and {@link
 * io.tinykv.bench.TxnBaselineCommand} — with the options they share ({@link
 * io.tinykv.bench.DriverOptions}, {@link io.tinykv.bench.ServerOptions}).
 *
 * <p>Commands only parse: each turns its options into a {@code DriverConfig} or {@code
 * ComparisonSettings} and hands over to {@code driver}, {@code compare} or {@code txn}. A new
 * measurement is a class there plus a thin command here, listed in {@code BenchCommand}'s {@code
 * subcommands}. Everything outside the JVM (processes, probes, targets, clock) comes in through
 * {@code BenchCommand}'s {@code BenchEnvironment}, so tests run the commands with fakes. This module
 * starts tinykv as a process and talks to it as a client: it does not depend on {@code server}.
 */
package io.tinykv.bench;
