package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.RegionException;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.KeyRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** Checks shared by the commands: request validation and region membership of keys. */
final class Requests {

    private Requests() {}

    static KeyErrorException invalid(String message) {
        return new KeyErrorException(KeyErrors.abort("invalid request: " + message));
    }

    static void requireTs(long ts, String field) {
        if (ts == 0) {
            throw invalid(field + " must be non-zero");
        }
    }

    static byte[] requireKey(ByteString key, String field) {
        if (key.isEmpty()) {
            throw invalid(field + " must not be empty");
        }
        return key.toByteArray();
    }

    /** The keys without duplicates, in ascending order; each must be non-empty. */
    static List<byte[]> distinctKeys(List<ByteString> keys, String field) {
        TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
        for (ByteString key : keys) {
            set.add(requireKey(key, field));
        }
        return new ArrayList<>(set);
    }

    static List<byte[]> bytes(List<ByteString> keys) {
        return keys.stream().map(ByteString::toByteArray).toList();
    }

    /** Refuses a key outside the addressed region, as a raftstore would (KeyNotInRegion). */
    static void requireInRegion(Kvrpcpb.Context ctx, KeyRange region, byte[] key) {
        if (!region.contains(key)) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("key " + KeyCodec.hex(key) + " is not in region " + ctx.getRegionId() + " " + region)
                    .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder()
                            .setKey(ByteString.copyFrom(key))
                            .setRegionId(ctx.getRegionId())
                            .setStartKey(ByteString.copyFrom(region.start()))
                            .setEndKey(ByteString.copyFrom(region.end())))
                    .build());
        }
    }

    static void requireInRegion(Kvrpcpb.Context ctx, KeyRange region, List<byte[]> keys) {
        for (byte[] key : keys) {
            requireInRegion(ctx, region, key);
        }
    }
}
