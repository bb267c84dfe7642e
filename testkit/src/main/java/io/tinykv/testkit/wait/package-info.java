/**
 * Waiting in tests (DESIGN.md §8: "a test that sleeps to wait for something is a bug"): {@link
 * io.tinykv.testkit.wait.Await} waits for a condition of a running system and fails past a deadline
 * with a description of what it waited for.
 *
 * <p>Rules: the one wait helper of the tests on real time — do not add a sleep for a guessed time,
 * and do not spin: between looks it parks for {@link io.tinykv.testkit.wait.Await#POLL_INTERVAL}, as
 * a spinning thread takes a core from the threads it waits for. Tests on the simulator drive virtual
 * time instead.
 */
package io.tinykv.testkit.wait;
