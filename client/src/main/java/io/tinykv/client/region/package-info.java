/**
 * Where keys live and how one request reaches its region, shared by the raw and the transactional
 * client: {@link io.tinykv.client.region.RegionCache} (regions by key range and store addresses,
 * filled from PD on demand), {@link io.tinykv.client.region.RegionRouter} (a key's region, or a set of
 * keys split by region and batch size), {@link io.tinykv.client.region.RegionRequestSender} (one
 * request to one region's leader, and what a region error or an unreachable store means for it),
 * {@link io.tinykv.client.region.OnDeadline} (whether a request without an answer may be sent again),
 * {@link io.tinykv.client.region.ScanPages} (the checks on a page of scan results) and
 * {@link io.tinykv.client.region.RegionKeyCodec} (raw against memcomparable-encoded region
 * boundaries). {@link io.tinykv.client.region.RegionInfo} and
 * {@link io.tinykv.client.region.RegionStatus} are a region as PD reports it.
 *
 * <p>Apart from the two records these are the clients' machinery, public only because the clients live
 * in sibling packages; an application uses {@link io.tinykv.client.raw.RawKvClient} or
 * {@link io.tinykv.client.txn.TxnKvClient}.
 */
package io.tinykv.client.region;
