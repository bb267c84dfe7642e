package io.tinykv.bench.proc;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.raw.RawKvClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Probes over loopback sockets, etcd's {@code /health} endpoint, and a tinykv write and read. */
public final class NetworkServiceProbe implements ServiceProbe {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int HTTP_OK = 200;
    /** Outside the benchmark's key space (its keys start with {@code u}). */
    private static final ByteString PROBE_KEY = ByteString.copyFromUtf8("!bench-probe");

    private static final ByteString PROBE_VALUE = ByteString.copyFromUtf8("ready");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();

    @Override
    public boolean portFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean portOpen(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean tinykvServes(String pdAddress) {
        long timeoutMs = PROBE_TIMEOUT.toMillis();
        try (RawKvClient client =
                RawKvClient.create(ClientConfig.of(List.of(pdAddress)).withTimeoutsMs(timeoutMs, timeoutMs))) {
            client.put(PROBE_KEY, PROBE_VALUE);
            return client.get(PROBE_KEY).filter(PROBE_VALUE::equals).isPresent();
        } catch (RuntimeException e) {
            // Not ready yet: no scheduler, no region leader, or a store still joining.
            return false;
        }
    }

    @Override
    public boolean etcdHealthy(String clientUrl) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
                .timeout(PROBE_TIMEOUT)
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == HTTP_OK
                    && response.body().replace(" ", "").contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
