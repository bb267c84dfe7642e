package io.tinykv.bench.proc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A local etcd cluster: {@code members} processes on one host, member {@code i} (0-based) serving
 * clients on {@code basePort + 2i} and peers on {@code basePort + 2i + 1}, each with its own data
 * directory under {@code dataRoot}.
 *
 * @param binary the etcd executable
 * @param members 1 for a single member, 3 for the usual replicated cluster
 * @param host the loopback address everything binds to
 * @param basePort the first of the {@code 2 * members} consecutive ports used
 * @param dataRoot the parent of the members' data directories (on the disk being measured)
 * @param logDir where each member's output goes
 */
public record EtcdClusterSpec(Path binary, int members, String host, int basePort, Path dataRoot, Path logDir) {

    public static final String CLUSTER_TOKEN = "tinykv-bench";
    private static final int MAX_PORT = 65_535;

    public EtcdClusterSpec {
        if (members < 1) {
            throw new IllegalArgumentException("an etcd cluster needs at least one member, got " + members);
        }
        if (basePort < 1 || basePort + 2 * members - 1 > MAX_PORT) {
            throw new IllegalArgumentException(
                    "etcd ports " + basePort + ".." + (basePort + 2 * members - 1) + " are out of range");
        }
    }

    public String memberName(int i) {
        return "etcd-" + (i + 1);
    }

    public int clientPort(int i) {
        return basePort + 2 * i;
    }

    public int peerPort(int i) {
        return basePort + 2 * i + 1;
    }

    /** Every port the cluster binds, for checking they are free before starting. */
    public List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            ports.add(clientPort(i));
            ports.add(peerPort(i));
        }
        return ports;
    }

    /** The client URLs, one per member. */
    public List<String> clientEndpoints() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            urls.add(url(clientPort(i)));
        }
        return urls;
    }

    public Path dataDir(int i) {
        return dataRoot.resolve(memberName(i));
    }

    /** The command line of member {@code i}. */
    public ProcessSpec memberSpec(int i) {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < members; j++) {
            peers.add(memberName(j) + "=" + url(peerPort(j)));
        }
        List<String> command = List.of(
                binary.toString(),
                "--name",
                memberName(i),
                "--data-dir",
                dataDir(i).toString(),
                "--listen-client-urls",
                url(clientPort(i)),
                "--advertise-client-urls",
                url(clientPort(i)),
                "--listen-peer-urls",
                url(peerPort(i)),
                "--initial-advertise-peer-urls",
                url(peerPort(i)),
                "--initial-cluster",
                String.join(",", peers),
                "--initial-cluster-token",
                CLUSTER_TOKEN,
                "--initial-cluster-state",
                "new",
                "--logger",
                "zap",
                "--log-outputs",
                "stderr");
        return new ProcessSpec(memberName(i), command, dataRoot, logDir.resolve(memberName(i) + ".log"), Map.of());
    }

    public List<ProcessSpec> memberSpecs() {
        List<ProcessSpec> specs = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            specs.add(memberSpec(i));
        }
        return specs;
    }

    private String url(int port) {
        return "http://" + host + ":" + port;
    }
}
