/**
 * How much one store's gRPC server takes on at once (DESIGN.md §7, "every request is bounded"):
 * {@link io.tinykv.server.limits.CallLimiter} admits at most {@code limits.max-concurrent-requests}
 * client calls, {@link io.tinykv.server.limits.RepeatedFieldGuard} refuses an over-long batch before
 * it is parsed, and {@link io.tinykv.server.limits.ServerExecutor} is the bounded handler pool sized to
 * match. The limits themselves are the {@code [limits]} section of the configuration.
 *
 * <p>Rules: a call over a limit is answered at once without reading its request — {@code
 * server_is_busy} in kvproto's {@code region_error} where the response has one (clients back off and
 * retry), {@code RESOURCE_EXHAUSTED} otherwise — so memory held by calls is bounded by the limit
 * times the message size limits. The handler pool keeps threads beyond the client limit for
 * store-to-store messages and health checks: client calls waiting for Raft must never starve the
 * messages Raft needs to answer them.
 */
package io.tinykv.server.limits;
