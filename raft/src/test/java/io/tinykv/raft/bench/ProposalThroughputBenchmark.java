package io.tinykv.raft.bench;

import com.google.protobuf.ByteString;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Proposals per second through a 3-node in-memory group ({@link InMemoryGroup}): each operation is
 * one 256-byte proposal taken all the way to applied on the leader. {@code singleProposal} drives the
 * group to commit after every proposal; {@code batchedProposals} proposes {@link #BATCH_SIZE} entries
 * per round trip. Run with {@code mvn -B -pl raft -am -Pjmh -DskipTests verify}; JMH options go in {@code -Djmh.args}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProposalThroughputBenchmark {
    static final int ENTRY_BYTES = 256;
    static final int GROUP_SIZE = 3;
    static final int BATCH_SIZE = 64;

    private InMemoryGroup group;
    private ByteString payload;

    @Setup
    public void setUp() {
        group = InMemoryGroup.withLeader(GROUP_SIZE);
        payload = payload(ENTRY_BYTES);
    }

    static ByteString payload(int bytes) {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        return ByteString.copyFrom(data);
    }

    @Benchmark
    public long singleProposal() {
        return group.proposeAndCommit(payload, 1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long batchedProposals() {
        return group.proposeAndCommit(payload, BATCH_SIZE);
    }
}
