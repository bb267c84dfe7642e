package io.tinykv.raftstore.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftLocalState;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.RaftTruncatedState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.raft.CompactedException;
import io.tinykv.raft.InitialState;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SnapshotTemporarilyUnavailableException;
import io.tinykv.raft.Storage;
import io.tinykv.raft.UnavailableException;
import io.tinykv.raftstore.RaftStoreStats;
import io.tinykv.raftstore.WorkerTask;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft log of one peer, kept in the store's engines: the entries and the
 * {@code RaftLocalState} (hard state, last index and term) in the raft engine, the
 * {@code RaftApplyState} (applied index, truncated state) and the {@code RegionLocalState} in the
 * kv engine (DESIGN.md §6). Raft reads through the {@link Storage} methods; the peer writes through
 * {@link #saveReady}, into a raft-engine write batch it commits itself (so that many peers share
 * one synced write).
 *
 * <p>The in-memory states are updated when a change is added to a batch, before the batch is
 * written: a failed write stops the store (fail-stop), so memory never outlives a lost write.
 *
 * <p>Owned by the thread that owns the peer.
 */
public final class PeerStorage implements Storage {

    private static final Logger LOG = LoggerFactory.getLogger(PeerStorage.class);

    /**
     * Index and term of the (empty) log position a bootstrapped region starts from, as in TinyKV:
     * a region created at bootstrap or by a split starts with its log "truncated" at (5, 5), so a
     * peer created empty by a message (index 0) is always behind it and is caught up by snapshot.
     */
    public static final long RAFT_INIT_LOG_INDEX = 5;

    public static final long RAFT_INIT_LOG_TERM = 5;

    private final Engines engines;
    private final Executor snapshotWorker;
    private final SnapshotManager snapshots;
    /** The snapshot generated last (its files stay until the next one replaces them), or null. */
    private SnapshotKey generatedKey;
    /** Received snapshots stepped since the last Ready: their files go once it is handled. */
    private final List<SnapshotKey> receivedKeys = new ArrayList<>();

    private final long regionId;
    private Metapb.Region region;
    private RaftLocalState raftState;
    private RaftApplyState applyState;
    /** The snapshot being generated on the worker, or null. */
    private CompletableFuture<Snapshot> generatingSnapshot;
    /** The log's unapplied tail in memory, so apply does not read it back from the engine. */
    private final EntryCache entryCache;
    /** Where entries read from the raft engine (cache misses) are counted. */
    private final RaftStoreStats stats;

    private PeerStorage(
            Engines engines,
            Executor snapshotWorker,
            SnapshotManager snapshots,
            Metapb.Region region,
            RaftLocalState raftState,
            RaftApplyState applyState,
            EntryCache entryCache,
            RaftStoreStats stats) {
        this.entryCache = entryCache;
        this.stats = stats;
        this.engines = engines;
        this.snapshotWorker = snapshotWorker;
        this.snapshots = snapshots;
        this.regionId = region.getId();
        this.region = region;
        this.raftState = raftState;
        this.applyState = applyState;
    }

    /**
     * Writes the initial states of a region bootstrapped with its full membership on this store:
     * region state, apply state (applied and truncated at {@link #RAFT_INIT_LOG_INDEX}) and raft
     * state (term and commit {@link #RAFT_INIT_LOG_TERM}/{@link #RAFT_INIT_LOG_INDEX}), synced.
     *
     * @throws IllegalStateException when the region already has state on this store
     * @throws IllegalArgumentException when the region has no peers
     */
    public static void writeBootstrapState(Engines engines, Metapb.Region region) {
        if (region.getPeersCount() == 0) {
            throw new IllegalArgumentException("cannot bootstrap region " + region.getId() + " without peers");
        }
        long id = region.getId();
        if (engines.kv().get(Cf.DEFAULT, Keys.regionStateKey(id)) != null
                || engines.raft().get(Cf.DEFAULT, Keys.raftStateKey(id)) != null) {
            throw new IllegalStateException("region " + id + " already has state on this store");
        }
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            raftWb.put(Cf.DEFAULT, Keys.raftStateKey(id), initialRaftState());
            engines.raft().write(raftWb, true);
        }
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            kvWb.put(Cf.DEFAULT, Keys.applyStateKey(id), initialApplyState());
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(id),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Normal)
                            .setRegion(region)
                            .build());
            engines.kv().write(kvWb, true);
        }
    }

    /**
     * Opens the storage of {@code region} from the engines. A region with peers (initialized) whose
     * states are missing gets the bootstrap states; a region without peers (a peer created by a
     * message, waiting for a snapshot) starts from an empty log at index 0.
     *
     * <p>A crash between the two writes of a snapshot's application (kv engine first, then raft
     * engine) leaves the kv engine ahead: applied and truncated at the snapshot, the raft state
     * behind. That is repaired here: the log restarts at the snapshot, and the commit index is
     * raised to the applied index (whatever was applied was committed).
     *
     * @param snapshotWorker where snapshots are generated, off the Raft thread
     * @throws StorageException when the persisted states contradict each other (corruption)
     */
    public static PeerStorage open(Engines engines, Metapb.Region region, Executor snapshotWorker) {
        return open(engines, region, snapshotWorker, SnapshotManager.open(engines.dataDir()));
    }

    /** Like {@link #open(Engines, Metapb.Region, Executor)}, with the store's snapshot files in {@code snapshots}. */
    public static PeerStorage open(
            Engines engines, Metapb.Region region, Executor snapshotWorker, SnapshotManager snapshots) {
        return open(engines, region, snapshotWorker, snapshots, EntryCache.DEFAULT_MAX_BYTES, new RaftStoreStats());
    }

    /**
     * Like {@link #open(Engines, Metapb.Region, Executor, SnapshotManager)}, with an entry cache of
     * at most {@code entryCacheMaxBytes} (0: none) and the store's counters in {@code stats}.
     */
    public static PeerStorage open(
            Engines engines,
            Metapb.Region region,
            Executor snapshotWorker,
            SnapshotManager snapshots,
            long entryCacheMaxBytes,
            RaftStoreStats stats) {
        Objects.requireNonNull(engines, "engines");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(region, "region");
        boolean initialized = region.getPeersCount() > 0;
        long id = region.getId();
        RaftLocalState raftState =
                engines.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(id), RaftLocalState.parser());
        if (raftState == null) {
            raftState = initialized ? initialRaftState() : RaftLocalState.getDefaultInstance();
        }
        RaftApplyState applyState =
                engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(id), RaftApplyState.parser());
        if (applyState == null) {
            applyState = initialized ? initialApplyState() : RaftApplyState.getDefaultInstance();
        }
        if (applyState.getTruncatedState().getIndex() > raftState.getLastIndex()) {
            raftState = raftState.toBuilder()
                    .setLastIndex(applyState.getTruncatedState().getIndex())
                    .setLastTerm(applyState.getTruncatedState().getTerm())
                    .build();
        }
        if (raftState.getHardState().getTerm() < raftState.getLastTerm()) {
            // A region new from a split whose peer here first lived empty (created by a message,
            // below the split's initial term): its vote was for a lower term, which it keeps no more.
            raftState = raftState.toBuilder()
                    .setHardState(raftState.getHardState().toBuilder()
                            .setTerm(raftState.getLastTerm())
                            .setVote(0))
                    .build();
        }
        if (applyState.getAppliedIndex() > raftState.getHardState().getCommit()) {
            raftState = raftState.toBuilder()
                    .setHardState(raftState.getHardState().toBuilder().setCommit(applyState.getAppliedIndex()))
                    .build();
        }
        PeerStorage storage = new PeerStorage(
                engines,
                Objects.requireNonNull(snapshotWorker, "snapshotWorker"),
                snapshots,
                region,
                raftState,
                applyState,
                new EntryCache(entryCacheMaxBytes),
                stats);
        storage.checkConsistent();
        return storage;
    }

    private static RaftLocalState initialRaftState() {
        return RaftLocalState.newBuilder()
                .setHardState(HardState.newBuilder().setTerm(RAFT_INIT_LOG_TERM).setCommit(RAFT_INIT_LOG_INDEX))
                .setLastIndex(RAFT_INIT_LOG_INDEX)
                .setLastTerm(RAFT_INIT_LOG_TERM)
                .build();
    }

    public static RaftApplyState initialApplyState() {
        return RaftApplyState.newBuilder()
                .setAppliedIndex(RAFT_INIT_LOG_INDEX)
                .setTruncatedState(RaftTruncatedState.newBuilder()
                        .setIndex(RAFT_INIT_LOG_INDEX)
                        .setTerm(RAFT_INIT_LOG_TERM))
                .build();
    }

    /** The invariants between the three states; a violation means the engines are damaged. */
    private void checkConsistent() {
        long truncated = truncatedIndex();
        long last = raftState.getLastIndex();
        long commit = raftState.getHardState().getCommit();
        long applied = applyState.getAppliedIndex();
        String where = "region " + regionId + " on " + engines.dataDir() + ": ";
        if (last < truncated) {
            throw new StorageException(where + "last index " + last + " is below the truncated index " + truncated);
        }
        if (applied < truncated) {
            throw new StorageException(
                    where + "applied index " + applied + " is below the truncated index " + truncated);
        }
        if (applied > commit) {
            // Entries are persisted (raft engine, synced) before they are applied (kv engine).
            throw new StorageException(where + "applied index " + applied + " is beyond the commit index " + commit);
        }
        if (commit > last) {
            throw new StorageException(where + "commit index " + commit + " is beyond the last index " + last);
        }
        if (last > truncated) {
            Entry lastEntry = readEntry(last);
            if (lastEntry.getTerm() != raftState.getLastTerm()) {
                throw new StorageException(where + "the entry at the last index " + last + " has term "
                        + lastEntry.getTerm() + " but the raft state says " + raftState.getLastTerm());
            }
        } else if (raftState.getLastTerm() != truncatedTerm()) {
            throw new StorageException(where + "empty log after truncated state " + applyState.getTruncatedState()
                    + " but last term " + raftState.getLastTerm());
        }
    }

    // ---- raft's view ---------------------------------------------------------------------------

    @Override
    public InitialState initialState() {
        ConfState.Builder cs = ConfState.newBuilder();
        for (Metapb.Peer peer : region.getPeersList()) {
            if (peer.getRole() == Metapb.PeerRole.Learner) {
                cs.addLearners(peer.getId());
            } else {
                cs.addVoters(peer.getId());
            }
        }
        return new InitialState(raftState.getHardState(), cs.build());
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxSizeBytes) {
        if (lo > hi) {
            throw new IllegalArgumentException("entries: lo " + lo + " > hi " + hi);
        }
        if (lo <= truncatedIndex()) {
            throw new CompactedException(
                    "region " + regionId + ": index " + lo + " is compacted (first index " + firstIndex() + ")");
        }
        if (hi > lastIndex() + 1) {
            throw new UnavailableException(
                    "region " + regionId + ": entries up to " + (hi - 1) + " requested, last index is " + lastIndex());
        }
        if (lo == hi) {
            return new ArrayList<>();
        }
        List<Entry> cached = entryCache.slice(lo, hi, maxSizeBytes);
        if (cached != null) {
            return cached;
        }
        List<Entry> result = new ArrayList<>();
        long sizeBytes = 0;
        try (SnapshotReader reader = engines.raft().snapshot();
                KvIterator it =
                        reader.iterator(Cf.DEFAULT, Keys.raftLogKey(regionId, lo), Keys.raftLogKey(regionId, hi))) {
            long expected = lo;
            for (it.seekToFirst(); it.valid() && expected < hi; it.next(), expected++) {
                long index = Keys.raftLogIndexOf(it.key());
                if (index != expected) {
                    throw holeAt(expected);
                }
                Entry entry = parseEntry(it.key(), it.value());
                if (entry.getIndex() != index) {
                    throw new StorageException("region " + regionId + ": the log key of index " + index
                            + " holds the entry of index " + entry.getIndex());
                }
                sizeBytes += entry.getSerializedSize();
                if (!result.isEmpty() && sizeBytes > maxSizeBytes) {
                    return result;
                }
                result.add(entry);
            }
            if (expected < hi) {
                throw holeAt(expected);
            }
        }
        stats.onEntriesReadFromEngine(result.size());
        return result;
    }

    @Override
    public long term(long index) {
        long truncated = truncatedIndex();
        if (index == truncated) {
            return truncatedTerm();
        }
        if (index < truncated) {
            throw new CompactedException(
                    "region " + regionId + ": index " + index + " is compacted (truncated at " + truncated + ")");
        }
        if (index > lastIndex()) {
            throw new UnavailableException(
                    "region " + regionId + ": index " + index + " is beyond the last index " + lastIndex());
        }
        if (index == lastIndex()) {
            return raftState.getLastTerm();
        }
        Entry cached = entryCache.get(index);
        if (cached != null) {
            return cached.getTerm();
        }
        stats.onEntriesReadFromEngine(1);
        return readEntry(index).getTerm();
    }

    @Override
    public long firstIndex() {
        return truncatedIndex() + 1;
    }

    @Override
    public long lastIndex() {
        return raftState.getLastIndex();
    }

    /**
     * The region's data as of its applied index. Generated on the snapshot worker: the first call
     * starts the generation and asks Raft to try again later; a later call hands out the result,
     * unless the log was truncated past it meanwhile (then a new one is generated).
     *
     * <p>The kv-engine snapshot is taken here, on the Raft thread, so that the applied index, its
     * term and the region are exactly those of the data; the worker only reads it.
     */
    @Override
    public Snapshot snapshot() {
        if (generatingSnapshot != null) {
            if (!generatingSnapshot.isDone()) {
                throw new SnapshotTemporarilyUnavailableException(
                        "region " + regionId + ": snapshot is being generated");
            }
            CompletableFuture<Snapshot> done = generatingSnapshot;
            generatingSnapshot = null;
            try {
                Snapshot snapshot = done.join();
                if (snapshot.getMetadata().getIndex() >= truncatedIndex()) {
                    return snapshot;
                }
            } catch (CompletionException | CancellationException e) {
                LOG.warn("region {}: generating a snapshot failed, trying again", regionId, e);
            }
        }
        long index = appliedIndex();
        long term = term(index);
        Metapb.Region snapRegion = region;
        ConfState confState = initialState().confState();
        SnapshotKey key = new SnapshotKey(regionId, term, index);
        if (generatedKey != null && !generatedKey.equals(key)) {
            // One generated snapshot per region: the one it replaces is stale.
            snapshots.deleteGenerated(generatedKey);
        }
        generatedKey = key;
        SnapshotReader kv = engines.kv().snapshot();
        CompletableFuture<Snapshot> future = new CompletableFuture<>();
        generatingSnapshot = future;
        try {
            snapshotWorker.execute(new WorkerTask("snapshot generation of region " + regionId + " at " + key, () -> {
                try (kv) {
                    RaftSnapshotData data = SnapshotData.build(snapRegion, kv, snapshots, key);
                    future.complete(Snapshot.newBuilder()
                            .setData(data.toByteString())
                            .setMetadata(SnapshotMetadata.newBuilder()
                                    .setIndex(index)
                                    .setTerm(term)
                                    .setConfState(confState))
                            .build());
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                    // Fail-stop: the store's workers halt on it (unless the store is shutting down).
                    throw e;
                }
            }));
        } catch (RuntimeException e) {
            kv.close();
            generatingSnapshot = null;
            throw e;
        }
        throw new SnapshotTemporarilyUnavailableException("region " + regionId + ": snapshot generation started");
    }

    // ---- the peer's view -----------------------------------------------------------------------

    long regionId() {
        return regionId;
    }

    public Metapb.Region region() {
        return region;
    }

    /** Replaces the in-memory region (the caller persists the RegionLocalState in the same batch). */
    void setRegion(Metapb.Region newRegion) {
        if (newRegion.getId() != regionId) {
            throw new IllegalArgumentException("region " + newRegion.getId() + " given to the storage of " + regionId);
        }
        this.region = newRegion;
    }

    public RaftLocalState raftState() {
        return raftState;
    }

    public RaftApplyState applyState() {
        return applyState;
    }

    public long appliedIndex() {
        return applyState.getAppliedIndex();
    }

    public long truncatedIndex() {
        return applyState.getTruncatedState().getIndex();
    }

    long truncatedTerm() {
        return applyState.getTruncatedState().getTerm();
    }

    /** Records the apply state the caller has just added to a kv-engine batch (or written). */
    void setApplyState(RaftApplyState newState) {
        if (newState.getAppliedIndex() < applyState.getAppliedIndex()) {
            throw new IllegalStateException("region " + regionId + ": applied index would go back from "
                    + applyState.getAppliedIndex() + " to " + newState.getAppliedIndex());
        }
        this.applyState = newState;
        // Applied entries are not read again in the ordinary course (a lagging follower's come
        // from the engine), and compaction never passes the applied index. The last applied one
        // stays: its term is what the next append's consistency check names.
        entryCache.evictThrough(newState.getAppliedIndex() - 1);
    }

    /**
     * Adds what {@code ready} asks to persist — its entries and its hard state — to {@code raftWb}.
     * The caller writes the batch (synced) before sending the Ready's messages.
     *
     * <p>A snapshot in the Ready is applied first: its data, apply state and region state are
     * written to the kv engine at once (synced); the log restarts at the snapshot in
     * {@code raftWb}.
     *
     * @throws IllegalStateException when the Ready's entries would leave a hole in the log
     */
    public void saveReady(Ready ready, EngineWriteBatch raftWb) {
        RaftLocalState before = raftState;
        if (ready.snapshot() != null && ready.snapshot().getMetadata().getIndex() > 0) {
            applySnapshot(ready.snapshot(), raftWb);
        }
        append(ready.entries(), raftWb);
        if (ready.hardState() != null) {
            raftState = raftState.toBuilder().setHardState(ready.hardState()).build();
        }
        if (!raftState.equals(before)) {
            raftWb.put(Cf.DEFAULT, Keys.raftStateKey(regionId), raftState);
        }
        // Received snapshots are done: installed above, or refused or superseded by Raft.
        receivedKeys.forEach(snapshots::deleteReceived);
        receivedKeys.clear();
    }

    /** A snapshot received into this store's snapshot directory was handed to this peer. */
    public void noteReceivedSnapshot(SnapshotKey key) {
        receivedKeys.add(key);
    }

    SnapshotManager snapshotManager() {
        return snapshots;
    }

    /**
     * Installs a snapshot Raft accepted: the region's range in the kv engine is replaced by the
     * snapshot's SST files (other regions' data is untouched), applied and truncated state move to
     * the snapshot's index, and the whole old log is deleted. The files were checked when the
     * message arrived (the peer refuses a snapshot whose files are missing or damaged).
     *
     * <p>Crash safety: the first synced kv write clears the ranges and records the new apply state
     * with the region state {@code Applying}; the files are ingested; a second synced write sets
     * the state {@code Normal}. A restart that finds {@code Applying} ingests again from the kept
     * files ({@link #resumeApplyingSnapshot}); the raft engine, written after, is repaired at open.
     */
    private void applySnapshot(Snapshot snapshot, EngineWriteBatch raftWb) {
        SnapshotData.ParsedSnapshot parsed = SnapshotData.parse(snapshot.getData(), regionId);
        long index = snapshot.getMetadata().getIndex();
        long term = snapshot.getMetadata().getTerm();
        if (index <= truncatedIndex()) {
            throw new IllegalStateException("region " + regionId + ": snapshot at " + index
                    + " is not ahead of the truncated index " + truncatedIndex());
        }
        SnapshotKey key = new SnapshotKey(regionId, term, index);
        RaftApplyState newApplyState = RaftApplyState.newBuilder()
                .setAppliedIndex(index)
                .setTruncatedState(
                        RaftTruncatedState.newBuilder().setIndex(index).setTerm(term))
                .build();
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            for (Cf cf : Cf.values()) {
                clearRange(kvWb, cf, parsed.region());
                if (region.getPeersCount() > 0) {
                    clearRange(kvWb, cf, region);
                }
            }
            kvWb.put(Cf.DEFAULT, Keys.applyStateKey(regionId), newApplyState);
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(regionId),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Applying)
                            .setRegion(parsed.region())
                            .build());
            engines.kv().write(kvWb, true);
        }
        ingest(engines, snapshots, key, parsed);
        raftWb.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(regionId), Keys.raftLogEndKey(regionId));
        raftState = raftState.toBuilder().setLastIndex(index).setLastTerm(term).build();
        applyState = newApplyState;
        entryCache.clear();
        region = parsed.region();
        generatingSnapshot = null;
        LOG.info(
                "region {}: applied snapshot at index {} term {} ({} SST files, {} bytes)",
                regionId,
                index,
                term,
                parsed.files().size(),
                parsed.totalBytes());
    }

    private static void clearRange(EngineWriteBatch kvWb, Cf cf, Metapb.Region r) {
        kvWb.deleteRange(
                cf,
                Keys.dataKey(r.getStartKey().toByteArray()),
                Keys.dataEndKey(r.getEndKey().toByteArray()));
    }

    /**
     * Ingests the received files of a snapshot whose ranges are cleared and whose state says
     * Applying, then marks the region Normal (synced) and deletes the files.
     *
     * @throws StorageException when a file is missing or damaged: the store cannot go on with the
     *     region half applied
     */
    private static void ingest(
            Engines engines, SnapshotManager snapshots, SnapshotKey key, SnapshotData.ParsedSnapshot parsed) {
        try {
            SnapshotData.verifyFiles(parsed, cf -> snapshots.receivedFile(key, cf));
        } catch (IllegalArgumentException e) {
            throw new StorageException(
                    "region " + key.regionId() + ": cannot install snapshot " + key + ": " + e.getMessage(), e);
        }
        for (SnapshotCFFile file : parsed.files()) {
            Cf cf = Cf.fromApiName(file.getCf());
            engines.kv().ingestExternalFiles(cf, List.of(snapshots.receivedFile(key, cf)));
        }
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(key.regionId()),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Normal)
                            .setRegion(parsed.region())
                            .build());
            engines.kv().write(kvWb, true);
        }
        snapshots.deleteReceived(key);
    }

    /** What resuming an interrupted snapshot installation came to. */
    public sealed interface SnapshotResume {

        /** The kept files were whole: the snapshot is installed and the region is {@code Normal}. */
        record Installed(RegionLocalState state) implements SnapshotResume {}

        /**
         * The kept files (or their metadata) failed verification: the region's half-installed data
         * and apply state are erased, its log emptied with its term and vote kept, so that the peer
         * starts uninitialized and its leader sends a fresh snapshot.
         *
         * @param region the region as the interrupted snapshot described it (this store's peer in it)
         */
        record AwaitingFreshSnapshot(Metapb.Region region, String reason) implements SnapshotResume {}
    }

    /**
     * Finishes a snapshot installation a crash interrupted (region state {@code Applying}): clears
     * the snapshot region's range again (a part may have been ingested) and ingests the kept files.
     *
     * <p>When the kept files or their metadata fail verification (a damaged disk), refusing to
     * start would only crash-loop: the data is gone either way. The peer is reset to wait for a
     * fresh snapshot instead ({@link SnapshotResume.AwaitingFreshSnapshot}). That is safe because
     * nothing of the interrupted installation was acknowledged (the raft engine's write of that
     * round comes after the {@code Normal} mark, and the messages after it), every entry up to the
     * snapshot's index is committed on a quorum, and the entries of the old log after it conflict
     * with the committed snapshot, so none of them can ever commit.
     *
     * @return the outcome
     * @throws StorageException when the region has no apply state, or an engine fails
     */
    public static SnapshotResume resumeApplyingSnapshot(
            Engines engines, SnapshotManager snapshots, RegionLocalState state) {
        long id = state.getRegion().getId();
        RaftApplyState apply = engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(id), RaftApplyState.parser());
        if (apply == null) {
            throw new StorageException(
                    "region " + id + " is applying a snapshot but has no apply state in " + engines.dataDir());
        }
        SnapshotKey key = new SnapshotKey(
                id,
                apply.getTruncatedState().getTerm(),
                apply.getTruncatedState().getIndex());
        SnapshotData.ParsedSnapshot parsed;
        try {
            parsed = SnapshotData.parse(
                    com.google.protobuf.ByteString.copyFrom(
                            java.nio.file.Files.readAllBytes(snapshots.receivedMeta(key))),
                    id);
            SnapshotData.verifyFiles(parsed, cf -> snapshots.receivedFile(key, cf));
        } catch (java.io.IOException | IllegalArgumentException e) {
            String reason = "region " + id + " was applying snapshot " + key + " when the store stopped, and its"
                    + " files in " + snapshots.dir() + " fail verification (" + e.getMessage() + ")";
            resetForFreshSnapshot(engines, snapshots, key, state.getRegion());
            LOG.error("{}: its half-installed data is erased and the peer waits for a fresh snapshot", reason);
            return new SnapshotResume.AwaitingFreshSnapshot(state.getRegion(), reason);
        }
        LOG.info("region {}: resuming the installation of snapshot {}", id, key);
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            for (Cf cf : Cf.values()) {
                clearRange(kvWb, cf, parsed.region());
            }
            engines.kv().write(kvWb, true);
        }
        ingest(engines, snapshots, key, parsed);
        return new SnapshotResume.Installed(RegionLocalState.newBuilder()
                .setState(PeerState.Normal)
                .setRegion(parsed.region())
                .build());
    }

    /**
     * Makes a region whose snapshot cannot be installed an uninitialized replica: first the raft
     * engine (log deleted, term and vote kept, commit and last index 0; synced), then the kv
     * engine (the snapshot region's range, apply state and region state deleted; synced). A crash
     * in between finds the region still {@code Applying} with damaged files and does it again.
     */
    private static void resetForFreshSnapshot(
            Engines engines, SnapshotManager snapshots, SnapshotKey key, Metapb.Region region) {
        long id = region.getId();
        RaftLocalState raftState =
                engines.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(id), RaftLocalState.parser());
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            raftWb.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(id), Keys.raftLogEndKey(id));
            if (raftState != null) {
                HardState kept = HardState.newBuilder()
                        .setTerm(raftState.getHardState().getTerm())
                        .setVote(raftState.getHardState().getVote())
                        .build();
                raftWb.put(
                        Cf.DEFAULT,
                        Keys.raftStateKey(id),
                        RaftLocalState.newBuilder().setHardState(kept).build());
            }
            engines.raft().write(raftWb, true);
        }
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            for (Cf cf : Cf.values()) {
                clearRange(kvWb, cf, region);
            }
            kvWb.delete(Cf.DEFAULT, Keys.applyStateKey(id));
            kvWb.delete(Cf.DEFAULT, Keys.regionStateKey(id));
            engines.kv().write(kvWb, true);
        }
        snapshots.deleteReceived(key);
    }

    /**
     * Erases this replica after its removal: the region's data and apply state go and its region
     * state becomes Tombstone (one synced kv write), then its raft state and log go (synced). A
     * crash between the two leaves only unreachable raft-engine records, which a peer re-created
     * for the region later clears ({@link #clearLeftovers}).
     */
    public void destroy() {
        try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
            // An uninitialized replica holds no data, and its range is unknown (empty keys would
            // mean the whole key space, other regions' data included).
            for (Cf cf : region.getPeersCount() > 0 ? Cf.values() : new Cf[0]) {
                kvWb.deleteRange(
                        cf,
                        Keys.dataKey(region.getStartKey().toByteArray()),
                        Keys.dataEndKey(region.getEndKey().toByteArray()));
            }
            kvWb.delete(Cf.DEFAULT, Keys.applyStateKey(regionId));
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(regionId),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Tombstone)
                            .setRegion(region)
                            .build());
            engines.kv().write(kvWb, true);
        }
        clearLeftovers(engines, regionId);
        entryCache.clear();
        snapshots.deleteRegion(regionId);
        receivedKeys.clear();
    }

    /** Deletes a region's raft state and log from the raft engine (synced). */
    public static void clearLeftovers(Engines engines, long regionId) {
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            raftWb.delete(Cf.DEFAULT, Keys.raftStateKey(regionId));
            raftWb.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(regionId), Keys.raftLogEndKey(regionId));
            engines.raft().write(raftWb, true);
        }
    }

    /**
     * Adds {@code entries} to the log in {@code raftWb}, deleting the old entries after the last new
     * one (a conflicting suffix that the new leader overwrote). Updates last index and term.
     */
    void append(List<Entry> entries, EngineWriteBatch raftWb) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).getIndex();
        if (first <= truncatedIndex()) {
            throw new IllegalStateException("region " + regionId + ": appending at " + first
                    + ", at or below the truncated index " + truncatedIndex());
        }
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("region " + regionId + ": appending at " + first
                    + " would leave a hole after the last index " + lastIndex());
        }
        long expected = first;
        for (Entry entry : entries) {
            if (entry.getIndex() != expected) {
                throw new IllegalStateException("region " + regionId + ": entries to append are not contiguous at "
                        + expected + " (got " + entry.getIndex() + ")");
            }
            raftWb.put(Cf.DEFAULT, Keys.raftLogKey(regionId, entry.getIndex()), entry);
            expected++;
        }
        entryCache.append(entries);
        Entry last = entries.get(entries.size() - 1);
        for (long stale = last.getIndex() + 1; stale <= lastIndex(); stale++) {
            raftWb.delete(Cf.DEFAULT, Keys.raftLogKey(regionId, stale));
        }
        raftState = raftState.toBuilder()
                .setLastIndex(last.getIndex())
                .setLastTerm(last.getTerm())
                .build();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Entry readEntry(long index) {
        byte[] key = Keys.raftLogKey(regionId, index);
        byte[] value = engines.raft().get(Cf.DEFAULT, key);
        if (value == null) {
            throw holeAt(index);
        }
        Entry entry = parseEntry(key, value);
        if (entry.getIndex() != index) {
            throw new StorageException("region " + regionId + ": the log key of index " + index
                    + " holds the entry of index " + entry.getIndex());
        }
        return entry;
    }

    private Entry parseEntry(byte[] key, byte[] value) {
        try {
            return Entry.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException(
                    "region " + regionId + ": corrupt raft log entry at key " + Keys.describe(key) + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private StorageException holeAt(long index) {
        return new StorageException("region " + regionId + " on " + engines.dataDir()
                + ": raft log entry " + index + " is missing (log from " + firstIndex() + " to "
                + lastIndex() + ")");
    }

    @Override
    public String toString() {
        return "PeerStorage[region " + regionId + ", first " + firstIndex() + ", last " + lastIndex() + ", applied "
                + appliedIndex() + "]";
    }
}
