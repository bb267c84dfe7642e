/**
 * Mutual TLS and who may call what, shared by every process (DESIGN.md §7, Security): the {@code
 * [security]} settings ({@link io.tinykv.security.SecurityConfig}, read by {@link
 * io.tinykv.security.SecurityToml} and {@link io.tinykv.security.SecurityOptions} under TiKV's names),
 * turned into gRPC and HTTPS credentials by {@link io.tinykv.security.TlsCredentials}; {@link
 * io.tinykv.security.ChannelFactory}, the one way any process opens a gRPC channel; and {@link
 * io.tinykv.security.StoreCallGuard} with {@link io.tinykv.security.StoreCertificatePolicy}, which
 * keep the store-to-store service and the scheduler's store-side calls to store certificates, passing
 * on the caller's {@link io.tinykv.security.CallerIdentity}.
 *
 * <p>Rules: TLS is all or nothing — {@code ca-path}, {@code cert-path} and {@code key-path} all set,
 * or none; a half-configured section is refused at start with every problem named. One {@code
 * TlsCredentials} per process, shared by all its servers and clients, so a rotated certificate
 * (re-read during a handshake, at most once per check interval, no thread of its own) is picked up
 * everywhere at once; a rotation that does not load keeps the last good files. A refused certificate
 * fails the handshake or the call before the service sees it. Open channels through a {@code
 * ChannelFactory}, never with a bare {@code ManagedChannelBuilder}, or TLS is silently off.
 */
package io.tinykv.security;
