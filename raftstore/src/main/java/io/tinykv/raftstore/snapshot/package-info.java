/**
 * The snapshot room: a region's data as files (DESIGN.md §6, snapshots). Entry types: {@link
 * io.tinykv.raftstore.snapshot.SnapshotManager} (the store's {@code snap/} directory: generated and
 * received files), {@link io.tinykv.raftstore.snapshot.SnapshotData} (the description a Raft
 * snapshot carries), {@link io.tinykv.raftstore.snapshot.SnapshotReceiver} (a snapshot arriving in
 * chunks), {@link io.tinykv.raftstore.snapshot.SnapshotFileReader} (the chunks going out) and
 * {@code SnapshotValidator} (what a received snapshot would write, checked before Raft accepts it).
 *
 * <p>Rules a changer must keep: one SST file per column family, with size and checksum, every file
 * checked when read back; a received snapshot writes only keys inside its region's range under the
 * data prefix; generation and ingestion run on workers, never on the Raft thread; an ingestion in
 * progress is marked ({@code PeerState.Applying}) and resumed at restart.
 */
package io.tinykv.raftstore.snapshot;
