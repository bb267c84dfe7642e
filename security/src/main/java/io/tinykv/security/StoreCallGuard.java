package io.tinykv.security;

import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets only stores make the calls it guards: with TLS on, the call's client certificate must be a
 * store's ({@link StoreCertificatePolicy}); anything else is refused with {@code PERMISSION_DENIED}
 * (logged) before the service sees it. An admitted call carries its {@link CallerIdentity} in the gRPC
 * context, for the service to bind store ids to certificates. With TLS off there are no certificates
 * to go by: every call passes, and what separates stores from clients is the port (the store-to-store
 * service listens on {@code server.peer-addr}, which a firewall admits stores to only).
 */
public final class StoreCallGuard implements ServerInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(StoreCallGuard.class);

    private final StoreCertificatePolicy policy;
    private final Predicate<String> guarded;

    /**
     * @param policy null: TLS is off, nothing to check
     * @param guarded which full method names ({@code service/Method}) only stores may call
     */
    public StoreCallGuard(StoreCertificatePolicy policy, Predicate<String> guarded) {
        this.policy = policy;
        this.guarded = guarded;
    }

    /** Guards the methods named (full names, {@code pdpb.PD/PutStore}). */
    public static StoreCallGuard methods(StoreCertificatePolicy policy, Set<String> fullMethodNames) {
        Set<String> names = Set.copyOf(fullMethodNames);
        return new StoreCallGuard(policy, names::contains);
    }

    /** Guards every method of the service named. */
    public static StoreCallGuard service(StoreCertificatePolicy policy, String serviceName) {
        String prefix = serviceName + "/";
        return new StoreCallGuard(policy, name -> name.startsWith(prefix));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (policy == null || !guarded.test(method)) {
            return next.startCall(call, headers);
        }
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        X509Certificate cert = session == null ? null : peerCertificate(session);
        if (cert == null) {
            return refuse(call, method, "a store certificate is required");
        }
        CallerIdentity caller = CallerIdentity.of(cert);
        if (!policy.isStore(cert)) {
            return refuse(
                    call,
                    method,
                    "certificate " + caller.subject() + " is not a store's (store certificates: " + policy.describe()
                            + ")");
        }
        return Contexts.interceptCall(
                io.grpc.Context.current().withValue(CallerIdentity.CONTEXT_KEY, caller), call, headers, next);
    }

    private static X509Certificate peerCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String method, String why) {
        LOG.warn("refused {} from {}: {}", method, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
        call.close(Status.PERMISSION_DENIED.withDescription(method + ": " + why), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
