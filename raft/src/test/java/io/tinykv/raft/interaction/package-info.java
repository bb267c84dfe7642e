/**
 * Scripted interaction tests: text files under {@code src/test/resources/interaction}, each a list
 * of commands with the output expected from them (see {@link io.tinykv.raft.interaction.InteractionScript}
 * for the format and {@link io.tinykv.raft.interaction.InteractionEnv} for the commands). Each file is
 * one dynamic test of {@link io.tinykv.raft.interaction.InteractionTest}; after a deliberate change,
 * regenerate the outputs with {@code -Dinteraction.rewrite=true} and review the diff.
 */
package io.tinykv.raft.interaction;
