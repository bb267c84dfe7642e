package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What the key-value subcommands share: the parent's options and reading keys in the chosen format. */
abstract class KvSubcommand implements Callable<Integer> {
    @ParentCommand
    CtlCommand parent;

    @Spec
    CommandSpec spec;

    KeyFormat format() {
        return parent.format(spec.commandLine());
    }

    /** Reads an argument in the chosen format; a malformed one is a usage error naming it. */
    ByteString parse(String what, String input) {
        try {
            return format().parse(what, input);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
