package io.tinykv.nemesis;

/**
 * What one injection of a fault did, as observed: {@code confirmed} only when the fault's own evidence
 * was seen (a kill's exit code, a stopped process state, severed or refused connections on every cut
 * link, ENOSPC from the file system). An unconfirmed injection fails the test.
 *
 * @param evidence what was observed, for the report
 */
record Injection(String fault, boolean confirmed, String evidence) {}
