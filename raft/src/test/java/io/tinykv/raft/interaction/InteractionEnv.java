package io.tinykv.raft.interaction;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.ProgressView;
import io.tinykv.raft.ProposalDroppedException;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.RaftException;
import io.tinykv.raft.ReadOnlyOption;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raft.Status;
import io.tinykv.raft.sim.Bootstrap;
import io.tinykv.raft.sim.Describe;
import io.tinykv.raft.sim.SafetyChecker;
import io.tinykv.raft.sim.SimCluster;
import io.tinykv.raft.sim.SimNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Executes interaction-script commands against a small group of {@link SimNode}s whose messages are
 * delivered only when a script says so. Each command returns its output lines; the script compares
 * them with its expected output. The safety checker of the simulator watches every Ready here too.
 *
 * <p>Commands (ids are node ids):
 * <pre>
 * add-nodes N [voters=(..)] [learners=(..)] [index=I] [prevote=B] [checkquorum=B] [election=T]
 *             [heartbeat=T] [max-inflight=N] [max-msg-bytes=N] [max-uncommitted-bytes=N] [read-only=safe|lease]
 * campaign ID | propose ID DATA | propose-conf-change ID add=N|add-learner=N|remove=N
 * transfer-leader FROM TO | read-index ID CTX
 * tick ID [N] | tick-election ID | tick-heartbeat ID
 * process-ready ID... | deliver-msgs [drop=true] ID... | stabilize [ID...]
 * partition A,B | C ...  | heal
 * raft-state | raft-log ID | status ID | compact ID | crash ID | restart ID | log-level none|info
 * </pre>
 * {@code tick-election} ticks {@code 2 * election - 1} times: exactly one randomized election
 * timeout (drawn from [election, 2 * election)) fires, whatever the random draw.
 */
final class InteractionEnv {
    /** Seeds each node's election-timeout randomness; fixed so scripts are deterministic. */
    private static final long SCRIPT_SEED = 0x5eed;

    private static final String INDENT = "  ";

    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final Map<Long, List<Message>> inboxes = new TreeMap<>();
    private final List<List<Long>> partition = new ArrayList<>();
    private SafetyChecker checker;
    private boolean verbose = true;

    List<String> execute(String line) {
        CommandArgs args = CommandArgs.parse(line);
        List<String> out = new ArrayList<>();
        switch (args.name()) {
            case "add-nodes" -> addNodes(args, out);
            case "campaign" -> oneNode(args).raft().campaign();
            case "propose" -> propose(args, out);
            case "propose-conf-change" -> proposeConfChange(args, out);
            case "transfer-leader" -> transferLeader(args);
            case "read-index" -> readIndex(args);
            case "tick" -> tick(args);
            case "tick-election" ->
                tickTimes(oneNode(args), 2 * oneNode(args).config().electionTicks() - 1);
            case "tick-heartbeat" ->
                tickTimes(oneNode(args), oneNode(args).config().heartbeatTicks());
            case "process-ready" -> args.ids().forEach(id -> processReady(node(id), out));
            case "deliver-msgs" -> deliverMsgs(args, out);
            case "stabilize" -> stabilize(args, out);
            case "partition" -> partition(args);
            case "heal" -> partition.clear();
            case "raft-state" -> raftState(out);
            case "raft-log" -> raftLog(oneNode(args), out);
            case "status" -> status(oneNode(args), out);
            case "compact" -> compact(oneNode(args), out);
            case "crash" -> crash(oneNode(args));
            case "restart" -> restart(oneNode(args), out);
            case "log-level" -> logLevel(args);
            default -> throw new IllegalArgumentException("unknown command '" + args.name() + "'");
        }
        return out.isEmpty() ? List.of("ok") : out;
    }

    private void addNodes(CommandArgs args, List<String> out) {
        args.allowOnly(Set.of(
                "voters",
                "learners",
                "index",
                "prevote",
                "checkquorum",
                "election",
                "heartbeat",
                "max-inflight",
                "max-msg-bytes",
                "max-uncommitted-bytes",
                "read-only"));
        args.requirePositional(1, 1, "N [options]");
        long count = args.id(0);
        List<Long> voters = args.idList("voters");
        List<Long> learners = args.idList("learners");
        long index = args.longOption("index", Bootstrap.DEFAULT_INDEX);
        String readOnly = args.option("read-only", "safe");
        RaftConfig template = RaftConfig.builder(1)
                .electionTicks((int) args.longOption("election", RaftConfig.DEFAULT_ELECTION_TICKS))
                .heartbeatTicks((int) args.longOption("heartbeat", RaftConfig.DEFAULT_HEARTBEAT_TICKS))
                .maxInflightMsgs((int) args.longOption("max-inflight", RaftConfig.DEFAULT_MAX_INFLIGHT_MSGS))
                .maxSizePerMsgBytes(args.longOption("max-msg-bytes", RaftConfig.DEFAULT_MAX_SIZE_PER_MSG_BYTES))
                .maxUncommittedEntriesBytes(args.longOption("max-uncommitted-bytes", 0))
                .preVote(args.boolOption("prevote", false))
                .checkQuorum(args.boolOption("checkquorum", false))
                .readOnlyOption(
                        switch (readOnly) {
                            case "safe" -> ReadOnlyOption.SAFE;
                            case "lease" -> ReadOnlyOption.LEASE_BASED;
                            default ->
                                throw new IllegalArgumentException(
                                        "read-only must be safe or lease, got '" + readOnly + "'");
                        })
                .build();
        if (checker == null) {
            // Created with the first valid nodes: they fix where every applied history starts.
            checker = new SafetyChecker(index);
        }
        for (int i = 0; i < count; i++) {
            long id = nodes.size() + 1;
            MemoryStorage disk = voters.isEmpty() && learners.isEmpty()
                    ? new MemoryStorage()
                    : Bootstrap.storage(voters, learners, index, Bootstrap.DEFAULT_TERM);
            RaftConfig config = new RaftConfig(
                    id,
                    template.electionTicks(),
                    template.heartbeatTicks(),
                    0,
                    template.maxSizePerMsgBytes(),
                    template.maxInflightMsgs(),
                    template.maxUncommittedEntriesBytes(),
                    template.checkQuorum(),
                    template.preVote(),
                    template.readOnlyOption(),
                    template.commitBroadcast());
            SimNode node = new SimNode(
                    config,
                    disk,
                    (nodeId, incarnation) -> new SplittableRandom(SCRIPT_SEED + nodeId * 1_000 + incarnation));
            nodes.put(id, node);
            inboxes.put(id, new ArrayList<>());
            out.add(id + ": " + Describe.confState(disk.initialState().confState()) + " "
                    + Describe.hardState(disk.initialState().hardState()) + " LastIndex:" + disk.lastIndex());
        }
    }

    private void propose(CommandArgs args, List<String> out) {
        args.requirePositional(2, 2, "ID DATA");
        try {
            node(args.id(0))
                    .raft()
                    .propose(ByteString.copyFromUtf8(args.positional().get(1)));
        } catch (ProposalDroppedException e) {
            out.add("dropped: " + e.getMessage());
        }
    }

    private void proposeConfChange(CommandArgs args, List<String> out) {
        args.allowOnly(Set.of("add", "add-learner", "remove"));
        args.requirePositional(1, 1, "ID add=N|add-learner=N|remove=N");
        ConfChange.Builder cc = ConfChange.newBuilder();
        if (args.has("add")) {
            cc.setChangeType(ConfChangeType.AddNode).setNodeId(args.longOption("add", 0));
        } else if (args.has("add-learner")) {
            cc.setChangeType(ConfChangeType.AddLearnerNode).setNodeId(args.longOption("add-learner", 0));
        } else if (args.has("remove")) {
            cc.setChangeType(ConfChangeType.RemoveNode).setNodeId(args.longOption("remove", 0));
        } else {
            throw new IllegalArgumentException("propose-conf-change needs one of add=, add-learner=, remove=");
        }
        try {
            oneNode(args).raft().proposeConfChange(cc.build());
        } catch (ProposalDroppedException e) {
            out.add("dropped: " + e.getMessage());
        }
    }

    private void transferLeader(CommandArgs args) {
        args.requirePositional(2, 2, "FROM TO");
        node(args.id(0)).raft().transferLeader(args.id(1));
    }

    private void readIndex(CommandArgs args) {
        args.requirePositional(2, 2, "ID CTX");
        node(args.id(0))
                .raft()
                .readIndex(ByteString.copyFromUtf8(args.positional().get(1)));
    }

    private void tick(CommandArgs args) {
        args.requirePositional(1, 2, "ID [N]");
        long times = args.positional().size() == 2 ? args.id(1) : 1;
        tickTimes(node(args.id(0)), times);
    }

    private static void tickTimes(SimNode node, long times) {
        for (long i = 0; i < times; i++) {
            node.raft().tick();
        }
    }

    /** Handles one Ready of a node (if it has one), queueing its messages in the receivers' inboxes. */
    private boolean processReady(SimNode node, List<String> out) {
        if (!node.hasReady()) {
            return false;
        }
        long oldCommit = node.durableHardState().getCommit();
        Ready rd = node.handleReady(
                m -> inboxes.computeIfAbsent(m.getTo(), k -> new ArrayList<>()).add(m));
        SimCluster.afterReady(checker, node, rd, oldCommit);
        if (verbose) {
            out.add("> " + node.id() + " handling Ready");
            Describe.ready(rd).forEach(l -> out.add(INDENT + l));
            for (Entry e : rd.committedEntries()) {
                if (e.getEntryType() == EntryType.EntryConfChange) {
                    out.add(INDENT + "applied " + Describe.entry(e) + " -> "
                            + Describe.confState(node.applied().confState()));
                }
            }
        }
        return true;
    }

    private void deliverMsgs(CommandArgs args, List<String> out) {
        args.allowOnly(Set.of("drop"));
        boolean drop = args.boolOption("drop", false);
        for (long id : args.ids()) {
            deliver(id, drop, out);
        }
    }

    /** Steps every queued message into node {@code to}; messages across a partition are dropped. */
    private boolean deliver(long to, boolean dropAll, List<String> out) {
        List<Message> inbox = inboxes.getOrDefault(to, new ArrayList<>());
        if (inbox.isEmpty()) {
            return false;
        }
        List<Message> batch = List.copyOf(inbox);
        inbox.clear();
        SimNode node = nodes.get(to);
        if (verbose) {
            out.add("> " + to + " receiving messages");
        }
        for (Message m : batch) {
            String why = dropAll
                    ? "dropped"
                    : node == null
                            ? "dropped: no such node"
                            : !node.isUp() ? "dropped: node down" : cutByPartition(m) ? "dropped: partition" : null;
            if (verbose) {
                out.add(INDENT + Describe.message(m) + (why == null ? "" : "  (" + why + ")"));
            }
            if (why == null) {
                stepOrReport(node, m, out);
            }
            if (m.getMsgType() == MessageType.MsgSnapshot) {
                reportSnapshot(m, why == null ? SnapshotStatus.FINISH : SnapshotStatus.FAILURE, out);
            }
        }
        return true;
    }

    private void stepOrReport(SimNode node, Message m, List<String> out) {
        try {
            node.raft().step(m);
        } catch (RaftException | IllegalArgumentException e) {
            out.add(INDENT + "error: " + e.getMessage());
        }
    }

    /** The transport tells the sender how a snapshot send ended, as a real one must. */
    private void reportSnapshot(Message m, SnapshotStatus status, List<String> out) {
        SimNode sender = nodes.get(m.getFrom());
        if (sender != null && sender.isUp()) {
            sender.raft().reportSnapshot(m.getTo(), status);
            if (verbose) {
                out.add(INDENT + "reported snapshot " + status + " to " + m.getFrom());
            }
        }
    }

    private boolean cutByPartition(Message m) {
        if (partition.isEmpty()) {
            return false;
        }
        return sideOf(m.getFrom()) != sideOf(m.getTo());
    }

    private int sideOf(long id) {
        for (int i = 0; i < partition.size(); i++) {
            if (partition.get(i).contains(id)) {
                return i;
            }
        }
        return -1; // nodes not named form one more side of their own
    }

    private void stabilize(CommandArgs args, List<String> out) {
        List<Long> ids = args.positional().isEmpty() ? List.copyOf(nodes.keySet()) : args.ids();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (long id : ids) {
                SimNode node = node(id);
                if (node.isUp()) {
                    progress |= processReady(node, out);
                }
            }
            for (long id : ids) {
                progress |= deliver(id, false, out);
            }
        }
    }

    private void partition(CommandArgs args) {
        partition.clear();
        List<Long> side = new ArrayList<>();
        for (String word : args.positional()) {
            if (word.equals("|")) {
                partition.add(List.copyOf(side));
                side.clear();
            } else {
                for (String id : word.split(",")) {
                    side.add(Long.parseLong(id));
                }
            }
        }
        partition.add(List.copyOf(side));
    }

    private void raftState(List<String> out) {
        for (SimNode node : nodes.values()) {
            if (!node.isUp()) {
                out.add(node.id() + ": down");
                continue;
            }
            Status st = node.raft().status();
            ConfState conf = node.applied().confState();
            String membership = conf.getVotersList().contains(node.id())
                    ? "Voter"
                    : conf.getLearnersList().contains(node.id()) ? "Learner" : "NonMember";
            out.add(node.id() + ": " + st.softState().role() + " (" + membership + ") Term:"
                    + st.hardState().getTerm()
                    + " Lead:" + st.softState().leaderId() + " Commit:"
                    + st.hardState().getCommit()
                    + " Applied:" + node.applied().appliedIndex());
        }
    }

    private static void raftLog(SimNode node, List<String> out) {
        MemoryStorage disk = node.disk();
        out.add("snapshot " + Describe.snapshot(disk.snapshot()));
        if (disk.firstIndex() <= disk.lastIndex()) {
            for (Entry e : disk.entries(disk.firstIndex(), disk.lastIndex() + 1, Long.MAX_VALUE)) {
                out.add(Describe.entry(e));
            }
        }
    }

    private static void status(SimNode node, List<String> out) {
        Status st = node.raft().status();
        out.add(node.id() + ": " + st.softState().role() + " " + Describe.hardState(st.hardState()) + " Applied:"
                + st.appliedIndex());
        Map<Long, ProgressView> progress = new TreeMap<>(st.progress());
        progress.forEach((id, pr) -> out.add(INDENT + id + ": " + pr.state() + " match=" + pr.match() + " next="
                + pr.next() + (pr.learner() ? " learner" : "")
                + (pr.pendingSnapshotIndex() != 0 ? " pendingSnapshot=" + pr.pendingSnapshotIndex() : "") + " inflight="
                + pr.inflightMessages()));
    }

    private static void compact(SimNode node, List<String> out) {
        boolean done = node.compact(0);
        MemoryStorage disk = node.disk();
        out.add((done ? "compacted" : "nothing to compact") + ": snapshot " + Describe.snapshot(disk.snapshot())
                + " log [" + disk.firstIndex() + ", " + disk.lastIndex() + "]");
    }

    private void crash(SimNode node) {
        node.crash();
        inboxes.get(node.id()).clear();
    }

    private void restart(SimNode node, List<String> out) {
        if (node.isUp()) {
            crash(node);
        }
        HardState before = node.durableHardState();
        node.restart();
        checker.checkRestart(node.id(), before, node.raft().status().hardState());
        out.add(node.id() + ": restarted with " + Describe.hardState(node.durableHardState()) + " Applied:"
                + node.applied().appliedIndex() + " log [" + node.disk().firstIndex() + ", "
                + node.disk().lastIndex() + "]");
    }

    private void logLevel(CommandArgs args) {
        args.requirePositional(1, 1, "none|info");
        verbose = switch (args.positional().get(0)) {
            case "none" -> false;
            case "info" -> true;
            default -> throw new IllegalArgumentException("log-level must be none or info");
        };
    }

    private SimNode oneNode(CommandArgs args) {
        args.requirePositional(1, 1, "ID");
        return node(args.id(0));
    }

    private SimNode node(long id) {
        SimNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " (nodes: " + nodes.keySet() + ")");
        }
        return node;
    }
}
