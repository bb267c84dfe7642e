package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a key's value; an absent key prints "(not found)" on stderr and exits 1. */
@Command(
        name = "get",
        description = "Print the value of KEY (exit code 1 when it has none).",
        usageHelpAutoWidth = true)
final class GetCommand extends KvSubcommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() {
        ByteString k = parse("key", key);
        KeyFormat format = format();
        return parent.withClient(spec.commandLine(), (client, out, err) -> {
            Optional<ByteString> value = client.get(k);
            if (value.isEmpty()) {
                err.println("(not found)");
                return CtlCommand.EXIT_NOT_FOUND;
            }
            out.println(format.format(value.get()));
            return CtlCommand.EXIT_OK;
        });
    }
}
