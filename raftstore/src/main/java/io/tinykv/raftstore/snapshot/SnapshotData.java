package io.tinykv.raftstore.snapshot;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.proto.RaftServerpb.SnapshotMeta;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.SstFileBuilder;
import io.tinykv.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * A region snapshot (DESIGN.md §6): one SST file per non-empty column family of the region's range,
 * and a {@code RaftSnapshotData} in the Raft snapshot's {@code data} that describes them: the
 * region, and in {@code meta.cf_files} each file's column family, size and CRC32C, with
 * {@code file_size} their total. The key-value list of {@code RaftSnapshotData} stays empty: the
 * data travels as the files (streamed by the transport, {@link SnapshotReceiver}), never inside
 * the message. Keys in the files are data keys (with the {@code 'z'} prefix), as stored.
 */
public final class SnapshotData {

    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private SnapshotData() {}

    /** Checked snapshot metadata: the region and its column families' files, in order. */
    public record ParsedSnapshot(Metapb.Region region, List<SnapshotCFFile> files, long totalBytes) {

        List<Cf> cfs() {
            return files.stream().map(f -> Cf.fromApiName(f.getCf())).toList();
        }
    }

    /**
     * Writes {@code region}'s data from a kv-engine snapshot into the manager's generated files of
     * {@code key} (a column family without keys gets no file) and describes them.
     *
     * @throws StorageException when a file cannot be written
     */
    public static RaftSnapshotData build(
            Metapb.Region region, SnapshotReader kv, SnapshotManager manager, SnapshotKey key) {
        SnapshotMeta.Builder meta = SnapshotMeta.newBuilder();
        long totalBytes = 0;
        for (Cf cf : Cf.values()) {
            Path target = manager.generatedFile(key, cf);
            Path temp = manager.tempFor(target);
            long keys;
            try (SstFileBuilder builder = SstFileBuilder.create(temp);
                    KvIterator it = kv.iterator(
                            cf,
                            Keys.dataKey(region.getStartKey().toByteArray()),
                            Keys.dataEndKey(region.getEndKey().toByteArray()))) {
                for (it.seekToFirst(); it.valid(); it.next()) {
                    builder.put(it.key(), it.value());
                }
                keys = builder.keys();
                if (keys > 0) {
                    builder.finish();
                }
            } catch (RuntimeException e) {
                SnapshotManager.delete(temp);
                throw e;
            }
            if (keys == 0) {
                SnapshotManager.delete(temp);
                continue;
            }
            manager.commit(temp, target);
            long size = sizeOf(target);
            meta.addCfFiles(SnapshotCFFile.newBuilder()
                    .setCf(cf.apiName())
                    .setSize(size)
                    .setChecksum((int) crc32c(target)));
            totalBytes += size;
        }
        return RaftSnapshotData.newBuilder()
                .setRegion(region)
                .setMeta(meta)
                .setFileSize(totalBytes)
                .build();
    }

    /**
     * Parses and checks snapshot metadata for region {@code regionId}: the region, known and
     * distinct column families, and sizes that add up.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ParsedSnapshot parse(ByteString encoded, long regionId) {
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
        if (data.getDataCount() > 0) {
            throw new IllegalArgumentException("snapshot of region " + regionId
                    + " carries key-value pairs inline; snapshots travel as SST files");
        }
        Set<Cf> seen = EnumSet.noneOf(Cf.class);
        long totalBytes = 0;
        for (SnapshotCFFile file : data.getMeta().getCfFilesList()) {
            Cf cf;
            try {
                cf = Cf.fromApiName(file.getCf());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("snapshot of region " + regionId + ": " + e.getMessage(), e);
            }
            if (!seen.add(cf)) {
                throw new IllegalArgumentException(
                        "snapshot of region " + regionId + " lists column family " + file.getCf() + " twice");
            }
            if (file.getSize() <= 0) {
                throw new IllegalArgumentException("snapshot of region " + regionId + ": the file of column family "
                        + file.getCf() + " has size " + file.getSize());
            }
            totalBytes += file.getSize();
        }
        if (totalBytes != data.getFileSize()) {
            throw new IllegalArgumentException("snapshot of region " + regionId + " says " + data.getFileSize()
                    + " bytes, its column families' files account for " + totalBytes);
        }
        return new ParsedSnapshot(region, data.getMeta().getCfFilesList(), totalBytes);
    }

    /**
     * Checks that every file of the snapshot is on disk with its recorded size and CRC32C.
     *
     * @param pathOf where the file of a column family is
     * @throws IllegalArgumentException naming the first file that is missing, truncated or corrupt
     */
    public static void verifyFiles(ParsedSnapshot snapshot, Function<Cf, Path> pathOf) {
        for (SnapshotCFFile file : snapshot.files()) {
            Path path = pathOf.apply(Cf.fromApiName(file.getCf()));
            long size;
            try {
                size = Files.size(path);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("snapshot file " + path + " is missing");
            } catch (IOException e) {
                throw new IllegalArgumentException("snapshot file " + path + " cannot be read: " + e, e);
            }
            if (size != file.getSize()) {
                throw new IllegalArgumentException("snapshot file " + path + " has " + size + " bytes, expected "
                        + file.getSize() + (size < file.getSize() ? " (truncated)" : ""));
            }
            int crc;
            try {
                crc = (int) crc32c(path);
            } catch (StorageException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (crc != file.getChecksum()) {
                throw new IllegalArgumentException("snapshot file " + path + " is corrupt: CRC32C "
                        + Integer.toUnsignedString(crc, 16) + ", expected "
                        + Integer.toUnsignedString(file.getChecksum(), 16));
            }
        }
    }

    /** The files of a checked snapshot, by column family, in {@code pathOf}'s naming. */
    static List<Path> paths(ParsedSnapshot snapshot, Function<Cf, Path> pathOf) {
        List<Path> paths = new ArrayList<>();
        for (Cf cf : snapshot.cfs()) {
            paths.add(pathOf.apply(cf));
        }
        return paths;
    }

    static long crc32c(Path file) {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new StorageException("cannot read snapshot file " + file + ": " + e.getMessage(), e);
        }
        return crc.getValue();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new StorageException("cannot stat snapshot file " + file + ": " + e.getMessage(), e);
        }
    }
}
