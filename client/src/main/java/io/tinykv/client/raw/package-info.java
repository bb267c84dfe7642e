/**
 * The RawKV client, {@link io.tinykv.client.raw.RawKvClient}: plain keys and values without
 * transactions (get, batchGet, put, batchPut, delete, batchDelete, deleteRange, scan, reverseScan),
 * routed by {@code io.tinykv.client.region} and retried within the client's backoff budget.
 */
package io.tinykv.client.raw;
