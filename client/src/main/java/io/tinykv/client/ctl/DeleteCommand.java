package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Removes a key and prints "OK" (also when it had no value: delete is idempotent). */
@Command(name = "delete", description = "Remove KEY (succeeds also when it has no value).", usageHelpAutoWidth = true)
final class DeleteCommand extends KvSubcommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() {
        ByteString k = parse("key", key);
        return parent.withClient(spec.commandLine(), (client, out, err) -> {
            client.delete(k);
            out.println("OK");
            return CtlCommand.EXIT_OK;
        });
    }
}
