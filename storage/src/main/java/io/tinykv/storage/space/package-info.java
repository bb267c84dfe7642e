/**
 * The disk space guard of a store (DESIGN.md §6): {@link io.tinykv.storage.space.DiskSpaceGuard}
 * samples the free space of the data directory's disk from a
 * {@link io.tinykv.storage.space.FreeSpaceSource}, ranks it against the
 * {@link io.tinykv.storage.space.ReserveSpace} as a {@link io.tinykv.storage.space.DiskUsage}, and
 * tells the write edge which client writes to refuse; a
 * {@link io.tinykv.storage.space.SpacePlaceholder} holds part of the reserve for a rainy day.
 */
package io.tinykv.storage.space;
