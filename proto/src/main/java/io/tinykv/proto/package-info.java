/**
 * The wire: the kvproto subset every module speaks (generated from {@code src/main/proto} into this
 * package: {@code Kvrpcpb}, {@code Metapb}, {@code Pdpb}, {@code RaftServerpb}, the gRPC stubs), and
 * the few rules about its values that more than one module needs, kept here because this is the
 * lowest module they all depend on: {@link io.tinykv.proto.MemComparableCodec} (TiKV's memcomparable
 * encoding of transactional keys, in region boundaries and MVCC keys) and {@link
 * io.tinykv.proto.RegionEpochs} (when a region epoch is stale).
 *
 * <p>Rules a changer must keep: field names and numbers follow kvproto exactly, since the official
 * TiKV clients speak to us with their own copy; hand-written code here has no dependency beyond
 * protobuf, and each edge maps this package's {@code IllegalArgumentException} to its own error
 * type.
 */
package io.tinykv.proto;
