/**
 * Fakes of the {@link io.tinykv.storage.Storage} API for tests above it (txn commands, the client
 * against an in-process service; DESIGN.md §8): {@link io.tinykv.testkit.storage.LeaderStorage}
 * serves as a region's leader would — snapshots carry a leader term the test sets, and writes can be
 * held back as if still replicating, then released.
 *
 * <p>Rules: single-threaded test use. A test that holds writes releases them before it checks their
 * effects; held writes are neither applied nor answered.
 */
package io.tinykv.testkit.storage;
