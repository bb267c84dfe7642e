package io.tinykv.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The key layout of the engines (DESIGN.md §6), TinyKV's schema with big-endian u64 ids and
 * indexes so that byte order equals numeric order (unsigned):
 *
 * <pre>
 *   01 01                          store ident            kv engine   (StoreIdent)
 *   01 01 02                       data format            kv engine   (DataFormat: how user values are laid out)
 *   01 02                          prepare-bootstrap      kv engine   (marker)
 *   01 02 &lt;region_id&gt; 01 &lt;index&gt;  raft log entry         raft engine (eraftpb.Entry)
 *   01 02 &lt;region_id&gt; 02          raft state             raft engine (RaftLocalState)
 *   01 02 &lt;region_id&gt; 03          apply state            kv engine   (RaftApplyState)
 *   01 03 &lt;region_id&gt; 01          region state           kv engine   (RegionLocalState)
 *   'z' &lt;user key&gt;                 user data              kv engine, every column family
 * </pre>
 *
 * <p>User data carries the {@code 'z'} prefix (as in TiKV) because the kv engine's
 * {@code default} column family holds the local {@code 01 ...} metadata keys too: without the
 * prefix a user key starting with {@code 01} could overwrite a region's state. The prefix also
 * gives the user key space a finite upper bound ({@link #DATA_MAX_KEY}), which is what lets a
 * delete-range with an empty ("unbounded") end key be a single RocksDB range tombstone.
 */
public final class Keys {

    /** First byte of every local (non-user) key; sorts before {@link #DATA_PREFIX}. */
    public static final byte LOCAL_PREFIX = 0x01;
    /** Second byte of per-region Raft keys (log entries, raft state, apply state). */
    public static final byte REGION_RAFT_PREFIX = 0x02;
    /** Second byte of per-region metadata keys (region state). */
    public static final byte REGION_META_PREFIX = 0x03;

    /** Suffix byte of raft log entry keys, followed by the 8-byte index. */
    public static final byte RAFT_LOG_SUFFIX = 0x01;
    /** Suffix byte of the raft state key ({@code RaftLocalState}). */
    public static final byte RAFT_STATE_SUFFIX = 0x02;
    /** Suffix byte of the apply state key ({@code RaftApplyState}). */
    public static final byte APPLY_STATE_SUFFIX = 0x03;
    /** Suffix byte of the region state key ({@code RegionLocalState}). */
    public static final byte REGION_STATE_SUFFIX = 0x01;

    /** First byte of every user data key. */
    public static final byte DATA_PREFIX = 'z';

    private static final int U64_BYTES = Long.BYTES;
    /** {@code 01 02 <region_id>} or {@code 01 03 <region_id>}. */
    private static final int REGION_PREFIX_LENGTH = 2 + U64_BYTES;
    /** A region key with one suffix byte: raft state, apply state, region state. */
    private static final int REGION_SUFFIXED_KEY_LENGTH = REGION_PREFIX_LENGTH + 1;
    /** {@code 01 02 <region_id> 01 <index>}. */
    private static final int RAFT_LOG_KEY_LENGTH = REGION_SUFFIXED_KEY_LENGTH + U64_BYTES;

    /** Identifies the store; written once at bootstrap. */
    public static final byte[] STORE_IDENT_KEY = {LOCAL_PREFIX, 0x01};
    /**
     * How this store lays out user values ({@code DataFormat}); written when the store's data is
     * created, never changed after. A store-level key, next to the store ident.
     */
    public static final byte[] DATA_FORMAT_KEY = {LOCAL_PREFIX, 0x01, 0x02};
    /** Marks a bootstrap in progress (the first region's state is written but not yet reported). */
    public static final byte[] PREPARE_BOOTSTRAP_KEY = {LOCAL_PREFIX, 0x02};

    /** Smallest local key; every local key is in {@code [LOCAL_MIN_KEY, LOCAL_MAX_KEY)}. */
    public static final byte[] LOCAL_MIN_KEY = {LOCAL_PREFIX};
    /** Exclusive upper bound of the local keys. */
    public static final byte[] LOCAL_MAX_KEY = {LOCAL_PREFIX + 1};

    /** Every region state key is in {@code [REGION_META_MIN_KEY, REGION_META_MAX_KEY)}. */
    public static final byte[] REGION_META_MIN_KEY = {LOCAL_PREFIX, REGION_META_PREFIX};
    /** Exclusive upper bound of the region state keys. */
    public static final byte[] REGION_META_MAX_KEY = {LOCAL_PREFIX, REGION_META_PREFIX + 1};

    /** The data key of the empty user key: every data key is {@code >=} this. */
    public static final byte[] DATA_MIN_KEY = {DATA_PREFIX};
    /** Exclusive upper bound of every data key: the user key space ends here. */
    public static final byte[] DATA_MAX_KEY = {DATA_PREFIX + 1};

    private static final HexFormat HEX = HexFormat.of();

    private Keys() {}

    /** {@code 01 02 <region_id> 01 <index>}: the key of one raft log entry. */
    public static byte[] raftLogKey(long regionId, long index) {
        return ByteBuffer.allocate(RAFT_LOG_KEY_LENGTH)
                .put(LOCAL_PREFIX)
                .put(REGION_RAFT_PREFIX)
                .putLong(regionId)
                .put(RAFT_LOG_SUFFIX)
                .putLong(index)
                .array();
    }

    /** {@code 01 02 <region_id> 02}: the key of the region's {@code RaftLocalState}. */
    public static byte[] raftStateKey(long regionId) {
        return regionSuffixedKey(REGION_RAFT_PREFIX, regionId, RAFT_STATE_SUFFIX);
    }

    /** {@code 01 02 <region_id> 03}: the key of the region's {@code RaftApplyState}. */
    public static byte[] applyStateKey(long regionId) {
        return regionSuffixedKey(REGION_RAFT_PREFIX, regionId, APPLY_STATE_SUFFIX);
    }

    /** {@code 01 03 <region_id> 01}: the key of the region's {@code RegionLocalState}. */
    public static byte[] regionStateKey(long regionId) {
        return regionSuffixedKey(REGION_META_PREFIX, regionId, REGION_STATE_SUFFIX);
    }

    /** {@code 01 02 <region_id>}: prefix of every raft key of the region (log, raft and apply state). */
    public static byte[] regionRaftPrefix(long regionId) {
        return regionPrefix(REGION_RAFT_PREFIX, regionId);
    }

    /** {@code 01 03 <region_id>}: prefix of every metadata key of the region. */
    public static byte[] regionMetaPrefix(long regionId) {
        return regionPrefix(REGION_META_PREFIX, regionId);
    }

    /** Start (inclusive) of the region's raft log: the key of index 0. */
    public static byte[] raftLogStartKey(long regionId) {
        return raftLogKey(regionId, 0);
    }

    /**
     * End (exclusive) of the region's raft log: every log key of the region, whatever its index,
     * sorts below this key (it is the prefix with the next suffix byte, i.e. the raft state key).
     */
    public static byte[] raftLogEndKey(long regionId) {
        return regionSuffixedKey(REGION_RAFT_PREFIX, regionId, (byte) (RAFT_LOG_SUFFIX + 1));
    }

    /**
     * The smallest key greater than every key that starts with {@code prefix}, for use as an
     * exclusive upper bound; empty when no such key exists (the prefix is all {@code 0xff}).
     */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[0];
    }

    /** Whether {@code key} is a raft log entry key ({@code 01 02 <region_id> 01 <index>}). */
    public static boolean isRaftLogKey(byte[] key) {
        return key.length == RAFT_LOG_KEY_LENGTH
                && key[0] == LOCAL_PREFIX
                && key[1] == REGION_RAFT_PREFIX
                && key[REGION_PREFIX_LENGTH] == RAFT_LOG_SUFFIX;
    }

    /**
     * The region id of any per-region key (log, raft state, apply state, region state).
     *
     * @throws IllegalArgumentException when {@code key} is not a per-region key
     */
    public static long regionIdOf(byte[] key) {
        boolean regionKey = key.length >= REGION_SUFFIXED_KEY_LENGTH
                && key[0] == LOCAL_PREFIX
                && (key[1] == REGION_RAFT_PREFIX || key[1] == REGION_META_PREFIX);
        if (!regionKey) {
            throw new IllegalArgumentException("not a per-region key: " + describe(key));
        }
        return ByteBuffer.wrap(key, 2, U64_BYTES).getLong();
    }

    /**
     * The index of a raft log entry key.
     *
     * @throws IllegalArgumentException when {@code key} is not a raft log key
     */
    public static long raftLogIndexOf(byte[] key) {
        if (!isRaftLogKey(key)) {
            throw new IllegalArgumentException("not a raft log key: " + describe(key));
        }
        return ByteBuffer.wrap(key, REGION_SUFFIXED_KEY_LENGTH, U64_BYTES).getLong();
    }

    /** {@code 'z' <userKey>}: where a user key lives in the kv engine. */
    public static byte[] dataKey(byte[] userKey) {
        byte[] key = new byte[userKey.length + 1];
        key[0] = DATA_PREFIX;
        System.arraycopy(userKey, 0, key, 1, userKey.length);
        return key;
    }

    /**
     * The data key for the exclusive end of a user range: an empty user end key means "no upper
     * bound" (the kvproto convention) and maps to {@link #DATA_MAX_KEY}.
     */
    public static byte[] dataEndKey(byte[] userEndKey) {
        return userEndKey.length == 0 ? DATA_MAX_KEY.clone() : dataKey(userEndKey);
    }

    /** Whether {@code key} is a data key (starts with {@link #DATA_PREFIX}). */
    public static boolean isDataKey(byte[] key) {
        return key.length >= 1 && key[0] == DATA_PREFIX;
    }

    /**
     * The user key of a data key.
     *
     * @throws IllegalArgumentException when {@code dataKey} is not a data key
     */
    public static byte[] userKey(byte[] dataKey) {
        if (!isDataKey(dataKey)) {
            throw new IllegalArgumentException("not a data key: " + describe(dataKey));
        }
        return Arrays.copyOfRange(dataKey, 1, dataKey.length);
    }

    /** A key in hex, for error messages. */
    public static String describe(byte[] key) {
        return key.length == 0 ? "(empty)" : HEX.formatHex(key);
    }

    private static byte[] regionPrefix(byte kind, long regionId) {
        return ByteBuffer.allocate(REGION_PREFIX_LENGTH)
                .put(LOCAL_PREFIX)
                .put(kind)
                .putLong(regionId)
                .array();
    }

    private static byte[] regionSuffixedKey(byte kind, long regionId, byte suffix) {
        return ByteBuffer.allocate(REGION_SUFFIXED_KEY_LENGTH)
                .put(LOCAL_PREFIX)
                .put(kind)
                .putLong(regionId)
                .put(suffix)
                .array();
    }
}
