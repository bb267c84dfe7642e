/**
 * The record of a transactional test, as in Jepsen (DESIGN.md §8): {@link
 * io.tinykv.testkit.history.History} collects each transaction as an {@link
 * io.tinykv.testkit.history.Operation} — who ran it, when it was invoked and completed, its {@link
 * io.tinykv.testkit.history.Outcome} (OK, FAIL, or INFO when the client cannot tell) and its {@link
 * io.tinykv.testkit.history.MicroOp}s — for the checkers in {@code elle} and {@code bank}.
 *
 * <p>Rules: there is no clock in here; times come from the caller (a logical counter or nanoTime) and
 * are only compared with each other, and a completion is recorded after the answer arrived, so real
 * time order is sound. A process runs one operation at a time. A read's result is {@code null} while
 * unknown, and stays so in any transaction that did not end OK. Recording is thread-safe.
 */
package io.tinykv.testkit.history;
