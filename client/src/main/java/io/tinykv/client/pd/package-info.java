/**
 * The client's calls to PD (the scheduler), kept apart from routing and data so that there is one
 * place that talks {@code pdpb.PD}: {@link io.tinykv.client.pd.PdConnection} finds and follows the PD
 * leader, learns the cluster id, owns the deadline of every call and retries a transport failure with
 * the one backoff policy ({@link io.tinykv.client.BackoffKind#PD_UNREACHABLE}'s waits, within the
 * caller's budget); {@link io.tinykv.client.pd.PdMembers} asks the members who leads;
 * {@link io.tinykv.client.pd.PdClient} is the lookups (regions, stores, GC safe points) and timestamps
 * (one {@code Tso} stream, {@link io.tinykv.client.pd.TsoStream}, shared by concurrent callers) that
 * clients and stores both make; {@link io.tinykv.client.pd.StorePdClient} is the store process's
 * calls (ids, bootstrap, registration, split ids and reports, timestamps that never block the caller,
 * the heartbeat streams' stub), so that the server has no PD client of its own;
 * {@link io.tinykv.client.pd.Addresses} turns PD's URLs into gRPC targets.
 *
 * <p>A PD failure is a {@link io.tinykv.client.PdException}; the exception types stay in
 * {@code io.tinykv.client} with the rest of the client's failures.
 */
package io.tinykv.client.pd;
