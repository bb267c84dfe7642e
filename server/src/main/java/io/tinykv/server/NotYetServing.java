package io.tinykv.server;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

/**
 * A stand-in for a service while the server that will offer it is still starting: every method
 * answers {@code UNAVAILABLE}, which clients retry, where gRPC's own answer for a service not yet
 * registered is {@code UNIMPLEMENTED}, which the TiKV client does not retry. A store binds its port
 * before it can build its services (it advertises the address it bound), so a client that knew the
 * store from before a restart may call in that window. Registering the real service under the same
 * name ({@code MutableHandlerRegistry.addService}) replaces this one.
 */
public final class NotYetServing {

    private NotYetServing() {}

    /** Every method of {@code service} answers UNAVAILABLE with {@code reason}. */
    public static ServerServiceDefinition placeholder(ServiceDescriptor service, String reason) {
        Status unavailable = Status.UNAVAILABLE.withDescription(reason);
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            addRefusing(definition, method, unavailable);
        }
        return definition.build();
    }

    private static <Q, R> void addRefusing(
            ServerServiceDefinition.Builder definition, MethodDescriptor<Q, R> method, Status status) {
        definition.addMethod(method, (call, headers) -> {
            call.close(status, new Metadata());
            return new ServerCall.Listener<>() {};
        });
    }
}
