/**
 * Network fixtures for tests that use real sockets (DESIGN.md §8): {@link
 * io.tinykv.testkit.net.RefusedPort}, a loopback port where nothing listens and that no one else can
 * take while the test holds it.
 *
 * <p>Rule: a test that needs an address nobody answers holds one of these rather than a port found
 * free and released, which another process could take and answer in the meantime.
 */
package io.tinykv.testkit.net;
