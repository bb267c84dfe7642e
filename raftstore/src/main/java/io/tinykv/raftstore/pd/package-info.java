/**
 * The scheduler room: what the store tells the placement driver and what it is told (DESIGN.md §1,
 * §4 "Split" step 4). Entry types: {@link io.tinykv.raftstore.pd.SchedulerReporter} (the way out,
 * implemented by the server's scheduler client), {@link io.tinykv.raftstore.pd.RegionHeartbeats} (a
 * leader's region heartbeats: on a change, on becoming leader, after a conf change, and every long
 * interval), {@link io.tinykv.raftstore.pd.StoreHeartbeats} (the store's statistics) and {@link
 * io.tinykv.raftstore.pd.SchedulerOperators} (an operator from the scheduler turned into a proposal
 * by the region's leader).
 *
 * <p>Rules a changer must keep: heartbeats are built on the Raft thread but sent without blocking
 * it; only a leader reports its region, and a follower's tick does no reporting work; an operator is
 * checked against the region's epoch as the leader knows it and goes through the log like any other
 * membership change.
 */
package io.tinykv.raftstore.pd;
