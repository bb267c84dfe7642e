/**
 * Starting, waiting for and stopping the server processes a benchmark measures: a spec per system
 * ({@link io.tinykv.bench.proc.TinyKvStandaloneSpec}, {@link
 * io.tinykv.bench.proc.TinyKvPlaygroundSpec}, {@link io.tinykv.bench.proc.EtcdClusterSpec}) gives a
 * {@link io.tinykv.bench.proc.ProcessSpec}, a {@link io.tinykv.bench.proc.ProcessLauncher} starts it,
 * {@link io.tinykv.bench.proc.Readiness} waits on a {@link io.tinykv.bench.proc.ServiceProbe}, and
 * {@link io.tinykv.bench.proc.ProcessGroup} stops them. DESIGN.md §8, performance.
 *
 * <p>Rules: every started process belongs to a {@code ProcessGroup}, which stops them in reverse
 * order on close, on failure and on Ctrl-C (a shutdown hook) — a benchmark never leaves a server
 * behind. A service that dies while it is awaited fails the wait at once, with its log. Launcher and
 * probe are interfaces so that tests substitute them; only {@code OsProcessLauncher}, {@code
 * NetworkServiceProbe} and {@code EtcdInstaller} touch the operating system.
 */
package io.tinykv.bench.proc;
