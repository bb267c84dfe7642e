package io.tinykv.raftstore.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.AdminResponse;
import io.tinykv.proto.RaftCmdpb.BatchSplitResponse;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerResponse;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.CompactLogRequest;
import io.tinykv.proto.RaftCmdpb.CompactLogResponse;
import io.tinykv.proto.RaftCmdpb.DeleteRangeResponse;
import io.tinykv.proto.RaftCmdpb.DeleteResponse;
import io.tinykv.proto.RaftCmdpb.GetResponse;
import io.tinykv.proto.RaftCmdpb.PutResponse;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdResponse;
import io.tinykv.proto.RaftCmdpb.RaftResponseHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftCmdpb.Response;
import io.tinykv.proto.RaftCmdpb.SnapResponse;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftTruncatedState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.proto.RegionEpochs;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdRequests;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.peer.Proposal;
import io.tinykv.raftstore.read.ReadExecutor;
import io.tinykv.raftstore.split.BatchSplits;
import io.tinykv.raftstore.split.SplitPeers;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Applies a peer's committed entries to the kv engine and answers the proposals waiting for them.
 *
 * <p>All the entries of one Ready go into ONE kv-engine write batch together with the new
 * {@code RaftApplyState}: the data and the applied index move together, so after a crash the
 * peer re-applies exactly what the kv engine lacks. The batch is not synced: the entries are
 * durable in the (synced) raft engine and are re-applied after a crash. Callbacks complete only
 * after the batch is written, so a client that hears "done" and then reads sees its write.
 *
 * <p>Every command is checked again here (epoch and key range): between proposal and apply the
 * region may have changed, and every replica must reach the same verdict from the log alone.
 *
 * <p>The applier changes no peer state itself: what an admin entry changes in the peer (its region,
 * its Raft configuration, its removal) it hands back as an {@link ApplyResult}, which the peer
 * applies to itself before the next entry; the new apply state likewise once the batch is written.
 */
public final class Applier implements ReadExecutor {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Applier.class);

    private final Engines engines;
    private final LogGcWorker logGcWorker;
    private final SplitPeers splitPeers;

    public Applier(Engines engines, LogGcWorker logGcWorker) {
        this(engines, logGcWorker, SplitPeers.NONE);
    }

    public Applier(Engines engines, LogGcWorker logGcWorker, SplitPeers splitPeers) {
        this.engines = engines;
        this.logGcWorker = logGcWorker;
        this.splitPeers = java.util.Objects.requireNonNull(splitPeers, "splitPeers");
    }

    /** A callback and the result it gets once the batch is written. */
    private record Completion(Callback callback, CmdResult result) {}

    /** A split applied in the batch: its peers are created once the batch is written. */
    private record AppliedSplit(List<Metapb.Region> all, List<Metapb.Region> created) {}

    /** Applies {@code committed} (contiguous, right after the applied index) for {@code peer}. */
    public void apply(Peer peer, List<Entry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        PeerStorage storage = peer.storage();
        List<Completion> completions = new ArrayList<>();
        List<AppliedSplit> splits = new ArrayList<>();
        RaftApplyState.Builder state = storage.applyState().toBuilder();
        long truncatedBefore = state.getTruncatedState().getIndex();
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            for (Entry entry : committed) {
                if (entry.getIndex() != state.getAppliedIndex() + 1) {
                    throw new IllegalStateException(peer + ": committed entry " + entry.getIndex()
                            + " does not follow the applied index " + state.getAppliedIndex());
                }
                RaftCmdResponse response = applyEntry(peer, entry, wb, state, splits);
                completeProposals(peer.proposals(), entry, response, completions);
                state.setAppliedIndex(entry.getIndex());
                if (peer.isRemoved()) {
                    // This replica applied its own removal: nothing after it is its business.
                    break;
                }
            }
            RaftApplyState newState = state.build();
            wb.put(Cf.DEFAULT, Keys.applyStateKey(peer.regionId()), newState);
            // A split is synced (as TiKV does for admin commands): the new regions' peers write to
            // the synced raft engine from now on, and must never find their region states lost.
            engines.kv().write(wb, !splits.isEmpty());
            peer.onApplyStateWritten(newState);
        }
        long truncatedAfter = state.getTruncatedState().getIndex();
        if (truncatedAfter > truncatedBefore) {
            logGcWorker.scheduleDelete(peer.regionId(), truncatedAfter);
        }
        // The new regions' states are written: their peers may start (before anybody hears "done").
        for (AppliedSplit split : splits) {
            splitPeers.onSplitApplied(peer, split.all(), split.created());
        }
        for (Completion c : completions) {
            c.callback().complete(c.result());
        }
    }

    /** The response to the command in {@code entry}, its writes added to {@code wb}; null for no-ops. */
    private RaftCmdResponse applyEntry(
            Peer peer, Entry entry, EngineWriteBatch wb, RaftApplyState.Builder state, List<AppliedSplit> splits) {
        if (entry.getEntryType() == EntryType.EntryConfChange) {
            return applyConfChange(peer, entry, wb);
        }
        if (entry.getData().isEmpty()) {
            // The no-op a new leader appends; it answers nobody.
            return null;
        }
        RaftCmdRequest request = proposedHere(peer.proposals(), entry);
        if (request == null) {
            try {
                request = RaftCmdRequest.parseFrom(entry.getData());
            } catch (InvalidProtocolBufferException e) {
                throw new StorageException(
                        peer + ": committed entry " + entry.getIndex() + " does not hold a RaftCmdRequest: "
                                + e.getMessage(),
                        e);
            }
        }
        long term = entry.getTerm();
        if (request.hasAdminRequest()) {
            if (request.getAdminRequest().getCmdType() == AdminCmdType.BatchSplit) {
                return applyBatchSplit(peer, request, entry, wb, splits);
            }
            return applyAdmin(request.getAdminRequest(), entry, state);
        }
        Metapb.Region region = peer.region();
        Errorpb.Error error = checkAtApply(request, region, peer.splitOff());
        if (error != null) {
            return RegionErrors.response(error, term);
        }
        RaftCmdResponse.Builder response = RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term));
        for (Request r : request.getRequestsList()) {
            response.addResponses(applyWrite(r, region, wb));
        }
        return response.build();
    }

    /**
     * The request this peer proposed as {@code entry} (same index and term: the same entry), or
     * null when it did not (a follower, an entry of another leader, a proposal made before a
     * restart). Proposals of lower indexes were all settled by the entries before this one, so the
     * one to look at is the first. Saves the leader parsing back what it serialized; with
     * assertions on (the tests), the two are checked to be the same bytes.
     */
    private static RaftCmdRequest proposedHere(Deque<Proposal> proposals, Entry entry) {
        Proposal first = proposals.peekFirst();
        if (first == null
                || first.request() == null
                || first.index() != entry.getIndex()
                || first.term() != entry.getTerm()) {
            return null;
        }
        assert first.request().toByteString().equals(entry.getData())
                : "entry " + entry.getIndex() + " term " + entry.getTerm() + " is not the request proposed there";
        return first.request();
    }

    /**
     * Applies a membership change: the region gains a learner (AddLearnerNode), gains a voter or
     * promotes its learner to voter (AddNode), or loses the peer (RemoveNode); conf version + 1 and
     * the region state in this same batch, and Raft learns the new configuration (which, built from
     * the peers' roles, is also what a restart or a snapshot restores). A change whose epoch is
     * stale, that would put two peers of the region on one store, or that would demote a voter,
     * changes nothing (Raft is told so with an empty change, which ends the pending conf change).
     */
    private static RaftCmdResponse applyConfChange(Peer peer, Entry entry, EngineWriteBatch wb) {
        ConfChange cc;
        RaftCmdRequest request;
        try {
            cc = ConfChange.parseFrom(entry.getData());
            request = RaftCmdRequest.parseFrom(cc.getContext());
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException(
                    peer + ": conf change entry " + entry.getIndex() + " does not parse: " + e.getMessage(), e);
        }
        long term = entry.getTerm();
        Metapb.Region region = peer.region();
        ChangePeerRequest change = request.getAdminRequest().getChangePeer();
        Metapb.Peer target = change.getPeer();
        Metapb.Peer existing = Regions.findPeer(region, target.getId());
        Errorpb.Error error = null;
        if (RegionEpochs.isStale(request.getHeader().getRegionEpoch(), region.getRegionEpoch())) {
            error = RegionErrors.epochNotMatch(request.getHeader().getRegionEpoch(), region);
        } else if (change.getChangeType() == ConfChangeType.AddNode
                || change.getChangeType() == ConfChangeType.AddLearnerNode) {
            Metapb.Peer onStore = Regions.findPeerOnStore(region, target.getStoreId());
            if (onStore != null && onStore.getId() != target.getId()) {
                error = RegionErrors.badRequest("store " + target.getStoreId() + " already has peer " + onStore.getId()
                        + " of region " + region.getId());
            } else if (change.getChangeType() == ConfChangeType.AddLearnerNode
                    && existing != null
                    && !Regions.isLearner(existing)) {
                error = RegionErrors.badRequest("peer " + target.getId() + " of region " + region.getId()
                        + " is a voter; a voter is never made a learner");
            }
        }
        if (error != null) {
            peer.onApplyResult(new ApplyResult.ConfChangeRefused());
            return RegionErrors.response(error, term);
        }
        Metapb.Region.Builder updated = region.toBuilder();
        boolean changed = false;
        switch (change.getChangeType()) {
            case AddLearnerNode -> {
                if (existing == null) {
                    updated.addPeers(target.toBuilder().setRole(Metapb.PeerRole.Learner));
                    changed = true;
                }
            }
            case AddNode -> {
                if (existing == null) {
                    updated.addPeers(target.toBuilder().setRole(Metapb.PeerRole.Voter));
                    changed = true;
                } else if (Regions.isLearner(existing)) {
                    // Promotion: the learner has caught up and now votes.
                    updated.clearPeers();
                    region.getPeersList().stream()
                            .map(p -> p.getId() == target.getId()
                                    ? p.toBuilder()
                                            .setRole(Metapb.PeerRole.Voter)
                                            .build()
                                    : p)
                            .forEach(updated::addPeers);
                    changed = true;
                }
            }
            case RemoveNode -> {
                if (existing != null) {
                    updated.clearPeers();
                    region.getPeersList().stream()
                            .filter(p -> p.getId() != target.getId())
                            .forEach(updated::addPeers);
                    changed = true;
                }
            }
            default -> {}
        }
        Metapb.Region newRegion = null;
        if (changed) {
            updated.setRegionEpoch(region.getRegionEpoch().toBuilder()
                    .setConfVer(region.getRegionEpoch().getConfVer() + 1));
            newRegion = updated.build();
            wb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(region.getId()),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Normal)
                            .setRegion(newRegion)
                            .build());
        }
        // Duplicates (a scheduler re-sends operators) are harmless to Raft too.
        peer.onApplyResult(new ApplyResult.ConfChangeApplied(
                cc, newRegion, change.getChangeType() == ConfChangeType.RemoveNode ? target : null));
        return RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term))
                .setAdminResponse(AdminResponse.newBuilder()
                        .setCmdType(AdminCmdType.ChangePeer)
                        .setChangePeer(ChangePeerResponse.newBuilder().setRegion(peer.region())))
                .build();
    }

    /**
     * Applies a BatchSplit: checked against the region as of this entry (epoch: version and conf
     * version; keys ascending, inside the region), then the shrunken region and every new region's
     * {@code RegionLocalState} and initial apply state go into this same batch, so a crash keeps all
     * of them or none (and re-applies the entry). A new region this store already holds (it got it
     * by snapshot, or this entry is replayed) is left as it is. The new regions' data is already
     * in the kv engine under their keys: a split moves no data. A refused split changes nothing,
     * on every replica alike.
     */
    private RaftCmdResponse applyBatchSplit(
            Peer peer, RaftCmdRequest request, Entry entry, EngineWriteBatch wb, List<AppliedSplit> splits) {
        long term = entry.getTerm();
        Metapb.Region region = peer.region();
        Metapb.RegionEpoch requested = request.getHeader().getRegionEpoch();
        if (RegionEpochs.isStale(requested, region.getRegionEpoch())) {
            return RegionErrors.response(RegionErrors.epochNotMatch(requested, region, peer.splitOff()), term);
        }
        String refusal = BatchSplits.check(region, request.getAdminRequest().getSplits());
        if (refusal != null) {
            return RegionErrors.response(
                    RegionErrors.badRequest("batch split of region " + region.getId() + " refused: " + refusal), term);
        }
        List<Metapb.Region> all =
                BatchSplits.derive(region, request.getAdminRequest().getSplits());
        Metapb.Region shrunk = all.get(0);
        List<Metapb.Region> created = new ArrayList<>();
        for (Metapb.Region r : all.subList(1, all.size())) {
            RegionLocalState existing =
                    engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(r.getId()), RegionLocalState.parser());
            if (existing != null || !splitPeers.mayCreate(r)) {
                LOG.info(
                        "{}: region {} from the split is on this store already ({}); keeping it",
                        peer,
                        r.getId(),
                        existing == null ? "a peer holds it" : "state " + existing.getState());
                continue;
            }
            wb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(r.getId()),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Normal)
                            .setRegion(r)
                            .build());
            wb.put(Cf.DEFAULT, Keys.applyStateKey(r.getId()), PeerStorage.initialApplyState());
            created.add(r);
        }
        wb.put(
                Cf.DEFAULT,
                Keys.regionStateKey(region.getId()),
                RegionLocalState.newBuilder()
                        .setState(PeerState.Normal)
                        .setRegion(shrunk)
                        .build());
        peer.onApplyResult(new ApplyResult.SplitApplied(shrunk, all.subList(1, all.size())));
        splits.add(new AppliedSplit(all, created));
        LOG.info(
                "{}: split at index {} into {}",
                peer,
                entry.getIndex(),
                all.stream()
                        .map(r -> r.getId() + " [" + Regions.describe(r.getStartKey()) + ", "
                                + Regions.describe(r.getEndKey()) + ")")
                        .toList());
        return RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term))
                .setAdminResponse(AdminResponse.newBuilder()
                        .setCmdType(AdminCmdType.BatchSplit)
                        .setSplits(BatchSplitResponse.newBuilder().addAllRegions(all)))
                .build();
    }

    /**
     * Applies an admin command. CompactLog moves the truncated state (in this same batch); the
     * entries themselves are deleted by the log GC worker once this batch is durable.
     */
    private static RaftCmdResponse applyAdmin(AdminRequest admin, Entry entry, RaftApplyState.Builder state) {
        RaftCmdResponse.Builder response = RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(entry.getTerm()));
        switch (admin.getCmdType()) {
            case CompactLog -> {
                CompactLogRequest compact = admin.getCompactLog();
                // Never past what this replica has applied: the log still holds what it must apply.
                if (compact.getCompactIndex() > state.getTruncatedState().getIndex()
                        && compact.getCompactIndex() <= state.getAppliedIndex()) {
                    state.setTruncatedState(RaftTruncatedState.newBuilder()
                            .setIndex(compact.getCompactIndex())
                            .setTerm(compact.getCompactTerm()));
                }
                return response.setAdminResponse(AdminResponse.newBuilder()
                                .setCmdType(AdminCmdType.CompactLog)
                                .setCompactLog(CompactLogResponse.getDefaultInstance()))
                        .build();
            }
            default -> {
                return RegionErrors.response(
                        RegionErrors.badRequest("unsupported admin command " + admin.getCmdType()), entry.getTerm());
            }
        }
    }

    /** Epoch (version) and key range, as at propose time, against the region as of this entry. */
    private static Errorpb.Error checkAtApply(
            RaftCmdRequest request, Metapb.Region region, List<Metapb.Region> splitOff) {
        if (RegionEpochs.isVersionStale(request.getHeader().getRegionEpoch(), region.getRegionEpoch())) {
            return RegionErrors.epochNotMatch(request.getHeader().getRegionEpoch(), region, splitOff);
        }
        for (Request r : request.getRequestsList()) {
            String cfError = CmdRequests.checkCf(r);
            if (cfError != null) {
                return RegionErrors.badRequest(cfError);
            }
            switch (r.getCmdType()) {
                case Put, Delete -> {
                    ByteString key = CmdRequests.keyOf(r);
                    if (!Regions.containsKey(region, key)) {
                        return RegionErrors.keyNotInRegion(key, region);
                    }
                }
                case DeleteRange -> {
                    // Checked against the region when applied: the range is clipped to it.
                }
                default -> {
                    return RegionErrors.badRequest("command type " + r.getCmdType() + " does not belong in the log");
                }
            }
        }
        return null;
    }

    private static Response applyWrite(Request r, Metapb.Region region, EngineWriteBatch wb) {
        return switch (r.getCmdType()) {
            case Put -> {
                wb.put(
                        cf(r.getPut().getCf()),
                        Keys.dataKey(r.getPut().getKey().toByteArray()),
                        r.getPut().getValue().toByteArray());
                yield Response.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutResponse.getDefaultInstance())
                        .build();
            }
            case Delete -> {
                wb.delete(
                        cf(r.getDelete().getCf()),
                        Keys.dataKey(r.getDelete().getKey().toByteArray()));
                yield Response.newBuilder()
                        .setCmdType(CmdType.Delete)
                        .setDelete(DeleteResponse.getDefaultInstance())
                        .build();
            }
            case DeleteRange -> {
                byte[] start = max(r.getDeleteRange().getStartKey(), region.getStartKey());
                byte[] end = minEnd(r.getDeleteRange().getEndKey(), region.getEndKey());
                byte[] dataStart = Keys.dataKey(start);
                byte[] dataEnd = Keys.dataEndKey(end);
                if (Arrays.compareUnsigned(dataStart, dataEnd) < 0) {
                    wb.deleteRange(cf(r.getDeleteRange().getCf()), dataStart, dataEnd);
                }
                yield Response.newBuilder()
                        .setCmdType(CmdType.DeleteRange)
                        .setDeleteRange(DeleteRangeResponse.getDefaultInstance())
                        .build();
            }
            default -> throw new IllegalStateException("not a write: " + r.getCmdType());
        };
    }

    private static byte[] max(ByteString a, ByteString b) {
        return (ByteString.unsignedLexicographicalComparator().compare(a, b) >= 0 ? a : b).toByteArray();
    }

    /** The smaller of two exclusive end keys, where empty means unbounded. */
    private static byte[] minEnd(ByteString a, ByteString b) {
        if (a.isEmpty()) {
            return b.toByteArray();
        }
        if (b.isEmpty()) {
            return a.toByteArray();
        }
        return (ByteString.unsignedLexicographicalComparator().compare(a, b) <= 0 ? a : b).toByteArray();
    }

    private static Cf cf(String name) {
        return Cf.fromApiName(name);
    }

    /**
     * Answers the proposals that {@code entry} settles: the one proposed at its index and term gets
     * {@code response}; any proposal at a lower index, or at this index with another term, was
     * overtaken (a new leader replaced its entry) and gets StaleCommand.
     */
    private static void completeProposals(
            Deque<Proposal> proposals, Entry entry, RaftCmdResponse response, List<Completion> completions) {
        while (!proposals.isEmpty()) {
            Proposal p = proposals.peekFirst();
            if (p.index() > entry.getIndex()) {
                return;
            }
            proposals.pollFirst();
            if (p.index() == entry.getIndex() && p.term() == entry.getTerm()) {
                if (response == null) {
                    throw new IllegalStateException(
                            "proposal at index " + p.index() + " term " + p.term() + " matched a no-op entry");
                }
                completions.add(new Completion(p.callback(), CmdResult.of(response)));
                return;
            }
            completions.add(new Completion(
                    p.callback(),
                    RegionErrors.result(
                            RegionErrors.staleCommand("proposal at index " + p.index() + " term " + p.term()
                                    + " was overtaken by entry " + entry.getIndex() + " term " + entry.getTerm()),
                            entry.getTerm())));
        }
    }

    // ---- reads -----------------------------------------------------------------------------

    /**
     * Executes a read after its read index is applied: Get reads the kv engine, Snap hands out a
     * kv-engine snapshot. The epoch and key range are checked against the region as of now.
     */
    @Override
    public CmdResult execute(RaftCmdRequest request, Metapb.Region region, long term) {
        if (RegionEpochs.isVersionStale(request.getHeader().getRegionEpoch(), region.getRegionEpoch())) {
            return RegionErrors.result(
                    RegionErrors.epochNotMatch(request.getHeader().getRegionEpoch(), region), term);
        }
        RaftCmdResponse.Builder response = RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term));
        SnapshotReader snapshot = null;
        for (Request r : request.getRequestsList()) {
            switch (r.getCmdType()) {
                case Get -> {
                    ByteString key = r.getGet().getKey();
                    if (!Regions.containsKey(region, key)) {
                        if (snapshot != null) {
                            snapshot.close();
                        }
                        return RegionErrors.result(RegionErrors.keyNotInRegion(key, region), term);
                    }
                    byte[] value = engines.kv().get(cf(r.getGet().getCf()), Keys.dataKey(key.toByteArray()));
                    GetResponse.Builder get = GetResponse.newBuilder();
                    if (value != null) {
                        get.setValue(ByteString.copyFrom(value));
                    }
                    response.addResponses(
                            Response.newBuilder().setCmdType(CmdType.Get).setGet(get));
                }
                case Snap -> {
                    if (snapshot != null) {
                        snapshot.close();
                    }
                    snapshot = engines.kv().snapshot();
                    response.addResponses(Response.newBuilder()
                            .setCmdType(CmdType.Snap)
                            .setSnap(SnapResponse.newBuilder().setRegion(region)));
                }
                default -> throw new IllegalStateException("not a read: " + r.getCmdType());
            }
        }
        return new CmdResult(response.build(), snapshot);
    }

    @Override
    public String toString() {
        return "Applier[" + engines.dataDir() + "]";
    }
}
