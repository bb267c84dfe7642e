/**
 * The placement driver ("PD"): serves {@code pdpb.PD} to clients and stores — cluster bootstrap,
 * store and region metadata learned from heartbeats and persisted, ids, timestamps, routing, and the
 * operators (add/remove peer, transfer leader) that the replica checker sends back to region leaders.
 */
package io.tinykv.scheduler;
