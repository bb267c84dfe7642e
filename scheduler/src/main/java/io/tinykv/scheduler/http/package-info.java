/**
 * PD's HTTP API on the scheduler's client port, next to gRPC, as PD serves it on its client URL.
 *
 * <p>Map: {@link io.tinykv.scheduler.http.PdListener} builds the listener; its negotiator (under TLS
 * after {@code TlsHandshakeStage}'s handshake) sends each connection, by its first bytes, to gRPC or
 * to {@code PdHttpHandler}, which answers with
 * {@link io.tinykv.scheduler.http.PdHttpApi} (the routes) on an executor of its own. The JSON views
 * ({@link io.tinykv.scheduler.http.StoreView}, {@link io.tinykv.scheduler.http.RegionView},
 * {@link io.tinykv.scheduler.http.MemberView}) are built by {@link io.tinykv.scheduler.http.PdViews}
 * from the scheduler's state, written by {@link io.tinykv.scheduler.http.PdJson} in PD's field names
 * and {@link io.tinykv.scheduler.http.GoText}'s formats; they do not depend on Netty, so a status page
 * or {@code tinykv ctl} can reuse them.
 */
package io.tinykv.scheduler.http;
