/**
 * {@code tinykv ctl}, the command-line client: {@link io.tinykv.client.ctl.CtlCommand} and its
 * subcommands {@code get}, {@code put}, {@code delete} and {@code scan}.
 */
package io.tinykv.client.ctl;
