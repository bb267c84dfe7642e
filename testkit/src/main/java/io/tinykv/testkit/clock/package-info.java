/**
 * A pause as a fault for stores running on real threads (DESIGN.md §5, "pauses are a fault like
 * crashes and partitions"): {@link io.tinykv.testkit.clock.RaftThreadGate} is the monotonic clock a
 * store is given, and while its gate is shut the Raft thread stops at its next reading of the clock,
 * as on a stalled disk, while every other thread goes on.
 *
 * <p>Rules: only the Raft thread is held — gRPC threads keep taking requests and queueing them — so a
 * test sees what a stall does to the rest of the process. A test that shuts the gate opens it again
 * before it ends, or the store never stops. The simulator stalls stores on virtual time instead and
 * does not use this.
 */
package io.tinykv.testkit.clock;
