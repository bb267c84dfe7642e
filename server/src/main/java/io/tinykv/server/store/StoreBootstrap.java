package io.tinykv.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.StoreIdent;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a store's engines part of the scheduler's cluster, following TinyKV's bootstrap:
 *
 * <ol>
 *   <li>Engines without a {@code StoreIdent} get a store id from the scheduler and are marked as
 *       that store of the scheduler's cluster. Engines of another cluster are refused.</li>
 *   <li>When the cluster is not bootstrapped, this store writes the first region (all keys, one
 *       peer here) locally, with a prepare-bootstrap marker holding it, then asks the scheduler to
 *       bootstrap with it. If another store won that race, the local region is erased again.</li>
 *   <li>A marker left by a crash in between is finished on the next start: bootstrap again, or
 *       find the region at the scheduler (this store won) or not (erase).</li>
 * </ol>
 */
final class StoreBootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(StoreBootstrap.class);
    /** Epochs of the first region start at 1, as in TiKV. */
    static final long INITIAL_EPOCH = 1;

    private StoreBootstrap() {}

    /** The engines belong to another cluster than the scheduler's. */
    static final class ClusterMismatchException extends RuntimeException {
        ClusterMismatchException(String message) {
            super(message);
        }
    }

    /**
     * Returns this store's id, bootstrapping the store (and, if nobody did yet, the cluster).
     *
     * @param storeRecord this store's record for the scheduler, given its id
     * @throws ClusterMismatchException when the engines belong to another cluster
     */
    static long run(Engines engines, StorePdClient scheduler, LongFunction<Metapb.Store> storeRecord) {
        long clusterId = scheduler.clusterId();
        StoreIdent ident = engines.kv().getMessage(Cf.DEFAULT, Keys.STORE_IDENT_KEY, StoreIdent.parser());
        long storeId;
        if (ident != null) {
            if (ident.getClusterId() != clusterId) {
                throw new ClusterMismatchException("data dir " + engines.dataDir() + " belongs to store "
                        + ident.getStoreId() + " of cluster " + ident.getClusterId() + ", but the scheduler at "
                        + scheduler.endpoint() + " runs cluster " + clusterId
                        + "; point --pd at that cluster's scheduler, or use an empty --data-dir to join this one");
            }
            storeId = ident.getStoreId();
            scheduler.setSenderId(storeId);
            LOG.info("store {} of cluster {} (data dir {})", storeId, clusterId, engines.dataDir());
        } else {
            requireNoRegions(engines);
            storeId = scheduler.allocId();
            RaftStore.bootstrapStore(engines, clusterId, storeId);
            scheduler.setSenderId(storeId);
            LOG.info("bootstrapped a new store {} in cluster {} (data dir {})", storeId, clusterId, engines.dataDir());
        }

        Metapb.Region prepared = preparedRegion(engines);
        if (prepared == null && !scheduler.isBootstrapped()) {
            prepared = prepareFirstRegion(engines, scheduler, storeId);
        }
        if (prepared != null) {
            finishClusterBootstrap(engines, scheduler, storeRecord.apply(storeId), prepared);
        }
        return storeId;
    }

    private static Metapb.Region prepareFirstRegion(Engines engines, StorePdClient scheduler, long storeId) {
        long regionId = scheduler.allocId();
        long peerId = scheduler.allocId();
        Metapb.Region region = Metapb.Region.newBuilder()
                .setId(regionId)
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder()
                        .setConfVer(INITIAL_EPOCH)
                        .setVersion(INITIAL_EPOCH))
                .addPeers(Metapb.Peer.newBuilder().setId(peerId).setStoreId(storeId))
                .build();
        // The marker first: a crash after it leaves something the next start knows to finish.
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY, region);
            engines.kv().write(wb, true);
        }
        RaftStore.bootstrapRegion(engines, region);
        LOG.info(
                "the cluster is not bootstrapped: prepared region {} with peer {} on store {}",
                regionId,
                peerId,
                storeId);
        return region;
    }

    private static void finishClusterBootstrap(
            Engines engines, StorePdClient scheduler, Metapb.Store store, Metapb.Region region) {
        if (scheduler.bootstrap(store, region)) {
            LOG.info("bootstrapped the cluster with region {} on store {}", region.getId(), store.getId());
        } else if (scheduler.regionById(region.getId()).isPresent()) {
            // An earlier attempt of ours went through; its answer was lost in a crash.
            LOG.info("the cluster was bootstrapped with region {} by an earlier start of this store", region.getId());
        } else {
            LOG.info("another store bootstrapped the cluster first; erasing the prepared region {}", region.getId());
            eraseRegion(engines, region.getId());
        }
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.delete(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY);
            engines.kv().write(wb, true);
        }
    }

    /** Removes a region's local states (its log is empty: the region never ran). */
    static void eraseRegion(Engines engines, long regionId) {
        try (EngineWriteBatch kv = engines.kv().newWriteBatch()) {
            kv.delete(Cf.DEFAULT, Keys.regionStateKey(regionId));
            kv.delete(Cf.DEFAULT, Keys.applyStateKey(regionId));
            engines.kv().write(kv, true);
        }
        try (EngineWriteBatch raft = engines.raft().newWriteBatch()) {
            raft.delete(Cf.DEFAULT, Keys.raftStateKey(regionId));
            raft.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(regionId), Keys.raftLogEndKey(regionId));
            engines.raft().write(raft, true);
        }
    }

    private static Metapb.Region preparedRegion(Engines engines) {
        byte[] value = engines.kv().get(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY);
        if (value == null) {
            return null;
        }
        try {
            return Metapb.Region.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException(
                    "corrupt prepare-bootstrap marker in " + engines.dataDir() + ": " + e.getMessage(), e);
        }
    }

    /** Engines without an identity but with regions were not made by this bootstrap: refuse them. */
    private static void requireNoRegions(Engines engines) {
        try (SnapshotReader reader = engines.kv().snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT, Keys.REGION_META_MIN_KEY, Keys.REGION_META_MAX_KEY)) {
            it.seekToFirst();
            if (it.valid()) {
                throw new IllegalStateException("data dir " + engines.dataDir()
                        + " holds region data but no store identity; it was not written by a tinykv server");
            }
        }
    }
}
