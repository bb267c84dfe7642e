package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.KeyValue;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.proto.RaftServerpb.SnapshotMeta;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SnapshotReader;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A region's data as one in-memory {@code RaftSnapshotData} message (the first step towards
 * DESIGN.md §6's per-column-family SST files): the region, then every key-value pair of the region's
 * range, column family by column family in {@link Cf} order. {@code meta.cf_files} describes each
 * column family's section: its name, its size (the bytes of its keys and values) and the CRC32C of
 * those bytes, so a damaged or truncated snapshot is detected before anything is written.
 * Keys are data keys (with the {@code 'z'} prefix), as stored.
 */
final class SnapshotData {

    private SnapshotData() {}

    /** One column family's pairs. */
    record CfSection(Cf cf, List<KeyValue> pairs) {}

    /** Reads {@code region}'s data from a kv-engine snapshot. */
    static RaftSnapshotData build(Metapb.Region region, SnapshotReader kv) {
        RaftSnapshotData.Builder data = RaftSnapshotData.newBuilder().setRegion(region);
        SnapshotMeta.Builder meta = SnapshotMeta.newBuilder();
        long totalBytes = 0;
        for (Cf cf : Cf.values()) {
            CRC32C crc = new CRC32C();
            long bytes = 0;
            try (KvIterator it = kv.iterator(cf, Keys.dataKey(region.getStartKey().toByteArray()),
                    Keys.dataEndKey(region.getEndKey().toByteArray()))) {
                for (it.seekToFirst(); it.valid(); it.next()) {
                    byte[] key = it.key();
                    byte[] value = it.value();
                    crc.update(key);
                    crc.update(value);
                    bytes += key.length + value.length;
                    data.addData(KeyValue.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value)));
                }
            }
            meta.addCfFiles(SnapshotCFFile.newBuilder().setCf(cf.apiName()).setSize(bytes)
                    .setChecksum((int) crc.getValue()));
            totalBytes += bytes;
        }
        return data.setMeta(meta).setFileSize(totalBytes).build();
    }

    /**
     * Parses and checks snapshot data for region {@code regionId}: sections, sizes, checksums, and
     * that every key is a data key inside the snapshot's region.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static ParsedSnapshot parse(ByteString encoded, long regionId) {
        RaftSnapshotData data;
        try {
            data = RaftSnapshotData.parseFrom(encoded);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("snapshot data does not parse: " + e.getMessage(), e);
        }
        Metapb.Region region = data.getRegion();
        if (region.getId() != regionId) {
            throw new IllegalArgumentException("snapshot of region " + region.getId() + " sent to region " + regionId);
        }
        if (region.getPeersCount() == 0) {
            throw new IllegalArgumentException("snapshot of region " + regionId + " has no peers");
        }
        List<CfSection> sections = new ArrayList<>();
        int next = 0;
        long totalBytes = 0;
        for (SnapshotCFFile file : data.getMeta().getCfFilesList()) {
            Cf cf = Cf.fromApiName(file.getCf());
            CRC32C crc = new CRC32C();
            long bytes = 0;
            List<KeyValue> pairs = new ArrayList<>();
            while (bytes < file.getSize() && next < data.getDataCount()) {
                KeyValue kv = data.getData(next++);
                byte[] key = kv.getKey().toByteArray();
                if (!Keys.isDataKey(key) || !Regions.containsKey(region, ByteString.copyFrom(Keys.userKey(key)))) {
                    throw new IllegalArgumentException("snapshot of region " + regionId + " holds key "
                            + Keys.describe(key) + " outside the region");
                }
                crc.update(key);
                crc.update(kv.getValue().toByteArray());
                bytes += key.length + kv.getValue().size();
                pairs.add(kv);
            }
            if (bytes != file.getSize() || (int) crc.getValue() != file.getChecksum()) {
                throw new IllegalArgumentException("snapshot of region " + regionId + ": column family "
                        + file.getCf() + " has " + bytes + " bytes with checksum " + (int) crc.getValue()
                        + ", its meta says " + file.getSize() + " bytes with checksum " + file.getChecksum());
            }
            totalBytes += bytes;
            sections.add(new CfSection(cf, pairs));
        }
        if (next != data.getDataCount() || totalBytes != data.getFileSize()) {
            throw new IllegalArgumentException("snapshot of region " + regionId + " has " + data.getDataCount()
                    + " pairs and " + data.getFileSize() + " bytes, its column families account for "
                    + next + " pairs and " + totalBytes + " bytes");
        }
        return new ParsedSnapshot(region, sections);
    }

    /** Checked snapshot data. */
    record ParsedSnapshot(Metapb.Region region, List<CfSection> sections) {

        /** Replaces the region's range in every column family with the snapshot's pairs. */
        void writeTo(EngineWriteBatch kvWb, Metapb.Region previousRegion) {
            for (Cf cf : Cf.values()) {
                clearRange(kvWb, cf, region);
                if (previousRegion.getPeersCount() > 0) {
                    clearRange(kvWb, cf, previousRegion);
                }
            }
            for (CfSection section : sections) {
                for (KeyValue kv : section.pairs()) {
                    kvWb.put(section.cf(), kv.getKey().toByteArray(), kv.getValue().toByteArray());
                }
            }
        }

        private static void clearRange(EngineWriteBatch kvWb, Cf cf, Metapb.Region r) {
            kvWb.deleteRange(cf, Keys.dataKey(r.getStartKey().toByteArray()), Keys.dataEndKey(r.getEndKey().toByteArray()));
        }
    }
}
