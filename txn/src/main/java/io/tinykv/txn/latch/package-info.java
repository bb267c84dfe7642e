/** Latches that serialize transactional commands touching the same keys. */
package io.tinykv.txn.latch;
