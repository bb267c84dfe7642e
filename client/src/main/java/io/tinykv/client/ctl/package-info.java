/**
 * {@code tinykv ctl}, the command-line client: {@link io.tinykv.client.ctl.CtlCommand} and its
 * subcommands {@code get}, {@code put}, {@code delete} and {@code scan} (RawKV), and
 * {@code txn} with {@code put}, {@code delete}, {@code get}, {@code scan} and {@code shell} (transactions).
 */
package io.tinykv.client.ctl;
