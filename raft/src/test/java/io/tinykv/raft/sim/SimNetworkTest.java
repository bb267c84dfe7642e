package io.tinykv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
    private static final int MESSAGES = 200;

    private static Message msg(long from, long to, long index) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgAppend)
                .setFrom(from)
                .setTo(to)
                .setIndex(index)
                .build();
    }

    private static SimNetwork network(Filter... filters) {
        SimNetwork network = new SimNetwork(new SplittableRandom(7));
        network.setFilters(List.of(filters));
        return network;
    }

    private static void sendMany(SimNetwork network, long from, long to) {
        LongStream.range(0, MESSAGES).forEach(i -> network.send(msg(from, to, i), 0));
    }

    @Test
    void withoutFiltersMessagesArriveOnceInOrderAtOnce() {
        SimNetwork network = network();
        sendMany(network, 1, 2);
        List<Message> due = network.takeDue(0);
        assertThat(due)
                .extracting(Message::getIndex)
                .containsExactlyElementsOf(LongStream.range(0, MESSAGES).boxed().toList());
        assertThat(network.inFlightCount()).isZero();
    }

    @Test
    void dropLosesRoughlyItsShare() {
        SimNetwork network = network(new Filter.Drop(0.5));
        sendMany(network, 1, 2);
        assertThat(network.takeDue(0).size()).isBetween(MESSAGES / 4, 3 * MESSAGES / 4);
        SimNetwork all = network(new Filter.Drop(1));
        assertThat(all.send(msg(1, 2, 0), 0)).isZero();
    }

    @Test
    void duplicateDeliversExtraCopies() {
        SimNetwork network = network(new Filter.Duplicate(1));
        assertThat(network.send(msg(1, 2, 0), 0)).isEqualTo(2);
        assertThat(network.takeDue(0)).hasSize(2);
    }

    @Test
    void delayHoldsMessagesBackAndReordersThem() {
        SimNetwork network = network(new Filter.Delay(3));
        sendMany(network, 1, 2);
        List<Message> now = network.takeDue(0);
        assertThat(now.size()).isLessThan(MESSAGES);
        List<Message> all = new ArrayList<>(now);
        for (long t = 1; t <= 3; t++) {
            all.addAll(network.takeDue(t));
        }
        assertThat(all).hasSize(MESSAGES);
        assertThat(all)
                .extracting(Message::getIndex)
                .isNotEqualTo(LongStream.range(0, MESSAGES).boxed().toList());
    }

    @Test
    void partitionCutsOnlyMessagesCrossingIt() {
        SimNetwork network = network(new Filter.Partition(Set.of(1L, 2L)));
        assertThat(network.send(msg(1, 2, 0), 0)).isEqualTo(1);
        assertThat(network.send(msg(3, 4, 0), 0)).isEqualTo(1);
        assertThat(network.send(msg(1, 3, 0), 0)).isZero();
        assertThat(network.send(msg(4, 2, 0), 0)).isZero();
        network.heal();
        assertThat(network.send(msg(1, 3, 0), 0)).isEqualTo(1);
    }

    @Test
    void filtersRejectNonsenseSettings() {
        assertThatThrownBy(() -> new Filter.Drop(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Filter.Delay(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
