package io.tinykv.client.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tinykv ctl store ...}: take a store offline (its replicas move to other stores, one
 * add-then-remove at a time, then it becomes a tombstone), bring an offline store back up before it
 * is empty, or forget a tombstone.
 */
@Command(
        name = "store",
        description = "Take a store offline or back up, or remove a tombstone.",
        subcommands = {StoreCommand.Offline.class, StoreCommand.Up.class, StoreCommand.RemoveTombstone.class},
        usageHelpAutoWidth = true)
final class StoreCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CtlCommand.EXIT_USAGE;
    }

    abstract static class StoreOp extends ApiSubcommand {
        @Parameters(index = "0", paramLabel = "STORE", description = "Store id.")
        long storeId;
    }

    @Command(name = "offline", description = "Move every replica off STORE, then make it a tombstone.")
    static final class Offline extends StoreOp {
        @Override
        public Integer call() {
            return withApi((api, out, err) ->
                    printDone(api.post("stores/" + storeId + "/state", Map.of("state", "offline")), out));
        }
    }

    @Command(name = "up", description = "Cancel taking STORE offline (before it became a tombstone).")
    static final class Up extends StoreOp {
        @Override
        public Integer call() {
            return withApi(
                    (api, out, err) -> printDone(api.post("stores/" + storeId + "/state", Map.of("state", "up")), out));
        }
    }

    @Command(name = "remove-tombstone", description = "Forget the tombstone STORE.")
    static final class RemoveTombstone extends StoreOp {
        @Override
        public Integer call() {
            return withApi((api, out, err) -> printDone(api.delete("stores/" + storeId), out));
        }
    }
}
