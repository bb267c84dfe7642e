package io.tinykv.raft.interaction;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed interaction script. The format, one block per step:
 *
 * <pre>
 * # comments and blank lines before a command are kept as they are
 * command arg key=value key=(1,2,3)
 * ----
 * expected output, any number of non-blank lines
 * (a blank line or the end of the file ends the block)
 * </pre>
 *
 * Output never contains blank lines (an empty result is written as {@code ok}), so no escaping is
 * needed. {@link #render} writes a script back with new outputs, for rewrite mode.
 */
public record InteractionScript(List<Block> blocks, List<String> trailer) {
    public static final String SEPARATOR = "----";

    /** One step: the lines before it (comments), its command, where it is, and its expected output. */
    public record Block(List<String> preamble, String command, int lineNumber, List<String> expected) {}

    public static InteractionScript parse(List<String> lines, String name) {
        List<Block> blocks = new ArrayList<>();
        List<String> preamble = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                preamble.add(line);
                i++;
                continue;
            }
            int commandLine = i + 1;
            if (i + 1 >= lines.size() || !lines.get(i + 1).equals(SEPARATOR)) {
                throw new IllegalArgumentException(name + ":" + commandLine + ": command '" + line
                        + "' must be followed by a line '" + SEPARATOR + "'");
            }
            i += 2;
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).isBlank()) {
                expected.add(lines.get(i));
                i++;
            }
            blocks.add(new Block(List.copyOf(preamble), line.strip(), commandLine, List.copyOf(expected)));
            preamble.clear();
        }
        return new InteractionScript(List.copyOf(blocks), List.copyOf(preamble));
    }

    /** The script text with each block's output replaced by {@code outputs.get(i)}. */
    public List<String> render(List<List<String>> outputs) {
        if (outputs.size() != blocks.size()) {
            throw new IllegalArgumentException(outputs.size() + " outputs for " + blocks.size() + " blocks");
        }
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            Block block = blocks.get(b);
            if (b > 0 && (block.preamble().isEmpty() || !block.preamble().get(0).isBlank())) {
                lines.add("");
            }
            lines.addAll(block.preamble());
            lines.add(block.command());
            lines.add(SEPARATOR);
            lines.addAll(outputs.get(b));
        }
        lines.addAll(trailer);
        return lines;
    }
}
