/**
 * The bank test for snapshot isolation (DESIGN.md §8): {@link io.tinykv.testkit.bank.BankWorkload}
 * moves money between accounts and reads all of them in one transaction; {@link
 * io.tinykv.testkit.bank.BankChecker} checks the recorded history.
 *
 * <p>Rules: money is never created or destroyed, so every committed read of all accounts must sum to
 * the workload's total, and no committed read may see a negative balance (transfers abort rather than
 * overdraw). Only committed transactions are judged: the reads of one that did not commit are not
 * known to come from one snapshot. The workload keeps no state and is shared by all workers.
 */
package io.tinykv.testkit.bank;
