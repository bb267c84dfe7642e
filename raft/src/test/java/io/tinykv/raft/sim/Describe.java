package io.tinykv.raft.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.raft.ReadState;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SoftState;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Stable, compact text for Raft values, used by interaction scripts (whose expected output is this
 * text) and by simulator traces. Only fields that carry information for a message type are shown.
 */
public final class Describe {
    private static final int MAX_PRINTABLE_DATA_BYTES = 40;

    private Describe() {}

    public static String message(Message m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.getFrom())
                .append("->")
                .append(m.getTo())
                .append(' ')
                .append(m.getMsgType())
                .append(" Term:")
                .append(m.getTerm());
        if (m.getLogTerm() != 0 || m.getIndex() != 0 || carriesLogPosition(m.getMsgType())) {
            sb.append(" Log:").append(m.getLogTerm()).append('/').append(m.getIndex());
        }
        if (m.getCommit() != 0) {
            sb.append(" Commit:").append(m.getCommit());
        }
        if (m.getReject()) {
            sb.append(" Rejected (Hint: ").append(m.getRejectHint()).append(')');
        }
        if (m.getEntriesCount() > 0) {
            sb.append(" Entries:[")
                    .append(m.getEntriesList().stream().map(Describe::entry).collect(Collectors.joining(", ")))
                    .append(']');
        }
        if (m.hasSnapshot() && m.getSnapshot().hasMetadata()) {
            sb.append(" Snapshot:").append(snapshot(m.getSnapshot()));
        }
        if (!m.getContext().isEmpty()) {
            sb.append(" Context:").append(data(m.getContext()));
        }
        if (m.getRequestSnapshot() != 0) {
            sb.append(" RequestSnapshot:").append(m.getRequestSnapshot());
        }
        return sb.toString();
    }

    private static boolean carriesLogPosition(MessageType type) {
        return switch (type) {
            case MsgAppend, MsgAppendResponse, MsgRequestVote, MsgRequestPreVote -> true;
            default -> false;
        };
    }

    public static String entry(Entry e) {
        String head = e.getTerm() + "/" + e.getIndex() + " " + e.getEntryType();
        if (e.getEntryType() == EntryType.EntryConfChange) {
            ConfChange cc = SimNode.confChangeOf(e);
            return head + " " + cc.getChangeType() + " " + cc.getNodeId();
        }
        return head + " " + data(e.getData());
    }

    public static String data(ByteString data) {
        boolean printable = data.size() <= MAX_PRINTABLE_DATA_BYTES;
        for (int i = 0; printable && i < data.size(); i++) {
            byte b = data.byteAt(i);
            printable = b >= 0x20 && b < 0x7f && b != '"';
        }
        if (printable) {
            return '"' + data.toStringUtf8() + '"';
        }
        if (data.size() <= MAX_PRINTABLE_DATA_BYTES) {
            return "0x" + HexFormat.of().formatHex(data.toByteArray());
        }
        return "<" + data.size() + " bytes>";
    }

    public static String hardState(HardState hs) {
        return "HardState Term:" + hs.getTerm() + " Vote:" + hs.getVote() + " Commit:" + hs.getCommit();
    }

    public static String softState(SoftState ss) {
        return "Lead:" + ss.leaderId() + " State:" + ss.role();
    }

    public static String confState(ConfState cs) {
        return "Voters:" + ids(cs.getVotersList()) + " Learners:" + ids(cs.getLearnersList());
    }

    private static String ids(List<Long> ids) {
        return ids.stream().sorted().map(String::valueOf).collect(Collectors.joining(" ", "[", "]"));
    }

    public static String snapshot(Snapshot s) {
        return "[Index:" + s.getMetadata().getIndex() + " Term:"
                + s.getMetadata().getTerm() + " " + confState(s.getMetadata().getConfState()) + "]";
    }

    public static String readState(ReadState rs) {
        return "Index:" + rs.index() + " RequestCtx:" + data(rs.requestCtx());
    }

    /** A multi-line rendering of a Ready: one item per line, lists indented under their heading. */
    public static List<String> ready(Ready rd) {
        List<String> lines = new ArrayList<>();
        if (rd.softState() != null) {
            lines.add(softState(rd.softState()));
        }
        if (rd.hardState() != null) {
            lines.add(hardState(rd.hardState()));
        }
        if (rd.snapshot() != null) {
            lines.add("Snapshot " + snapshot(rd.snapshot()));
        }
        section(lines, "Entries:", rd.entries().stream().map(Describe::entry).toList());
        section(
                lines,
                "CommittedEntries:",
                rd.committedEntries().stream().map(Describe::entry).toList());
        section(
                lines,
                "ReadStates:",
                rd.readStates().stream().map(Describe::readState).toList());
        section(
                lines,
                "Messages:",
                java.util.stream.Stream.concat(rd.messagesBeforePersist().stream(), rd.messages().stream())
                        .map(Describe::message)
                        .toList());
        return lines;
    }

    private static void section(List<String> lines, String heading, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        lines.add(heading);
        for (String item : items) {
            lines.add("  " + item);
        }
    }

    public static String readyOneLine(Ready rd) {
        return String.join(" | ", ready(rd));
    }
}
