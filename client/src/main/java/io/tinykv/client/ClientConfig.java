package io.tinykv.client;

import io.tinykv.client.pd.Addresses;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import java.util.List;

/**
 * Settings of a {@link RawKvClient} or {@link PdClient}.
 *
 * @param pdAddresses     PD (scheduler) endpoints as {@code host:port} (an {@code http://} prefix is
 *                        accepted and dropped); any one of them is enough to find the leader, more of
 *                        them survive one being down
 * @param pdTimeoutMs     deadline of every single call to PD (and of waiting for one timestamp)
 * @param kvTimeoutMs     deadline of every single call to a store
 * @param backoffBudgetMs how long one operation may spend backing off between retries before it gives
 *                        up with a {@link RegionUnavailableException} (or a {@link PdException} for PD)
 * @param scanPageSizeKeys how many pairs one scan request asks a store for at most; a scan that wants
 *                        more continues with further requests
 * @param batchSizeKeys   how many keys one batch request carries at most; a batch operation sends more
 *                        requests when a region gets more keys, keeping each request well below the
 *                        server's message size limit
 */
public record ClientConfig(
        List<String> pdAddresses,
        long pdTimeoutMs,
        long kvTimeoutMs,
        long backoffBudgetMs,
        int scanPageSizeKeys,
        int batchSizeKeys) {

    public static final long DEFAULT_PD_TIMEOUT_MS = 3_000;
    public static final long DEFAULT_KV_TIMEOUT_MS = 5_000;
    public static final long DEFAULT_BACKOFF_BUDGET_MS = 20_000;
    public static final int DEFAULT_SCAN_PAGE_SIZE_KEYS = 1_024;
    public static final int DEFAULT_BATCH_SIZE_KEYS = 1_024;

    private static final int MAX_PORT = 65_535;

    public ClientConfig {
        if (pdAddresses == null || pdAddresses.isEmpty()) {
            throw new IllegalArgumentException("pdAddresses: at least one PD address (host:port) is required");
        }
        pdAddresses = pdAddresses.stream().map(Addresses::stripScheme).toList();
        for (String address : pdAddresses) {
            checkHostPort(address);
        }
        requirePositive("pdTimeoutMs", pdTimeoutMs);
        requirePositive("kvTimeoutMs", kvTimeoutMs);
        if (backoffBudgetMs < 0) {
            throw new IllegalArgumentException("backoffBudgetMs must be >= 0, got " + backoffBudgetMs);
        }
        requirePositive("scanPageSizeKeys", scanPageSizeKeys);
        requirePositive("batchSizeKeys", batchSizeKeys);
    }

    /** A configuration with default timeouts and budget. */
    public static ClientConfig of(List<String> pdAddresses) {
        return new ClientConfig(
                pdAddresses,
                DEFAULT_PD_TIMEOUT_MS,
                DEFAULT_KV_TIMEOUT_MS,
                DEFAULT_BACKOFF_BUDGET_MS,
                DEFAULT_SCAN_PAGE_SIZE_KEYS,
                DEFAULT_BATCH_SIZE_KEYS);
    }

    public ClientConfig withBackoffBudgetMs(long budgetMs) {
        return new ClientConfig(pdAddresses, pdTimeoutMs, kvTimeoutMs, budgetMs, scanPageSizeKeys, batchSizeKeys);
    }

    public ClientConfig withScanPageSizeKeys(int pageSizeKeys) {
        return new ClientConfig(pdAddresses, pdTimeoutMs, kvTimeoutMs, backoffBudgetMs, pageSizeKeys, batchSizeKeys);
    }

    public ClientConfig withBatchSizeKeys(int sizeKeys) {
        return new ClientConfig(pdAddresses, pdTimeoutMs, kvTimeoutMs, backoffBudgetMs, scanPageSizeKeys, sizeKeys);
    }

    public ClientConfig withTimeoutsMs(long pdMs, long kvMs) {
        return new ClientConfig(pdAddresses, pdMs, kvMs, backoffBudgetMs, scanPageSizeKeys, batchSizeKeys);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    private static void checkHostPort(String address) {
        if (address.isBlank()) {
            throw new IllegalArgumentException("PD address must not be blank");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("PD address '" + address + "' is not host:port");
        }
        String port = address.substring(colon + 1);
        int value;
        try {
            value = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PD address '" + address + "' has a non-numeric port", e);
        }
        if (value < 1 || value > MAX_PORT) {
            throw new IllegalArgumentException("PD address '" + address + "' has port out of range 1.." + MAX_PORT);
        }
    }
}
