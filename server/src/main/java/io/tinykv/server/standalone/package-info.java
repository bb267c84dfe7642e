/**
 * {@code tinykv standalone}: a one-store cluster in one process, built from the scheduler module's
 * {@code SchedulerServer} and the store process's {@code StoreServer} ({@link
 * io.tinykv.server.standalone.Standalone}); its command ({@link
 * io.tinykv.server.standalone.StandaloneCommand}), its settings split between the two parts
 * ({@link io.tinykv.server.standalone.StandaloneConfig}), its data dir's layout, and the move of an
 * older standalone's data dir into that layout.
 */
package io.tinykv.server.standalone;
