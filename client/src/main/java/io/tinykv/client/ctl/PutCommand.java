package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Sets a key's value and prints "OK". */
@Command(name = "put", description = "Set KEY to VALUE.", usageHelpAutoWidth = true)
final class PutCommand extends KvSubcommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value.")
    String value;

    @Override
    public Integer call() {
        ByteString k = parse("key", key);
        ByteString v = parse("value", value);
        return parent.withClient(spec.commandLine(), (client, out, err) -> {
            client.put(k, v);
            out.println("OK");
            return CtlCommand.EXIT_OK;
        });
    }
}
