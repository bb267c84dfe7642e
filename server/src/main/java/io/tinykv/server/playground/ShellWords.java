package io.tinykv.server.playground;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Writes arguments so that a POSIX shell reads them back unchanged. */
final class ShellWords {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {}

    /** {@code arg} itself when it needs no quoting, otherwise in single quotes. */
    static String quote(String arg) {
        if (SAFE.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    static String join(List<String> args) {
        return args.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }
}
