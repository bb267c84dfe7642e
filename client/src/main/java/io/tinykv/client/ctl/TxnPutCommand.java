package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.txn.Transaction;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Sets one or more keys in one transaction and prints its timestamps. */
@Command(name = "put", description = "Set each KEY to its VALUE, all in one transaction.", usageHelpAutoWidth = true)
final class TxnPutCommand extends TxnSubcommand {
    @Parameters(arity = "2..*", paramLabel = "KEY VALUE", description = "Pairs of key and value.")
    List<String> keysAndValues;

    @Override
    public Integer call() {
        if (keysAndValues.size() % 2 != 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "expected pairs of KEY VALUE, got " + keysAndValues.size() + " arguments");
        }
        List<ByteString> parsed = new ArrayList<>();
        for (int i = 0; i < keysAndValues.size(); i++) {
            parsed.add(parse(i % 2 == 0 ? "key" : "value", keysAndValues.get(i)));
        }
        return withClient((client, out, err) -> {
            try (Transaction t = client.begin()) {
                for (int i = 0; i < parsed.size(); i += 2) {
                    t.put(parsed.get(i), parsed.get(i + 1));
                }
                t.commit();
                out.println(committed(t));
            }
            return CtlCommand.EXIT_OK;
        });
    }
}
