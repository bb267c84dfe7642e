package io.tinykv.client.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tinykv ctl operator ...}: asks the scheduler to change one region (move its leader, add or
 * remove a peer, scatter it) or shows the operators running and recently ended. The scheduler checks
 * each request against the cluster and says why it refuses; an accepted one is sent to the
 * region's leader at once.
 */
@Command(
        name = "operator",
        description = "Change a region through the scheduler, or show its operators.",
        subcommands = {
            OperatorCommand.Show.class,
            OperatorCommand.TransferLeader.class,
            OperatorCommand.AddPeer.class,
            OperatorCommand.RemovePeer.class,
            OperatorCommand.Scatter.class
        },
        usageHelpAutoWidth = true)
final class OperatorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CtlCommand.EXIT_USAGE;
    }

    /** Posts one operator request. */
    abstract static class RegionStoreOp extends ApiSubcommand {
        @Parameters(index = "0", paramLabel = "REGION", description = "Region id.")
        long regionId;

        @Parameters(index = "1", paramLabel = "STORE", description = "Store id.")
        long storeId;

        abstract String type();

        @Override
        public Integer call() {
            return withApi((api, out, err) -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("type", type());
                body.put("region_id", regionId);
                body.put("store_id", storeId);
                return printDone(api.post("operators", body), out);
            });
        }
    }

    @Command(name = "transfer-leader", description = "Move REGION's leadership to its peer on STORE.")
    static final class TransferLeader extends RegionStoreOp {
        @Override
        String type() {
            return "transfer-leader";
        }
    }

    @Command(name = "add-peer", description = "Add a peer of REGION on STORE.")
    static final class AddPeer extends RegionStoreOp {
        @Override
        String type() {
            return "add-peer";
        }
    }

    @Command(
            name = "remove-peer",
            description =
                    "Remove REGION's peer on STORE (refused if it would leave fewer " + "than max-replicas peers).")
    static final class RemovePeer extends RegionStoreOp {
        @Override
        String type() {
            return "remove-peer";
        }
    }

    @Command(name = "scatter", description = "Spread REGION's replicas and leader over the stores.")
    static final class Scatter extends ApiSubcommand {
        @Parameters(index = "0", paramLabel = "REGION", description = "Region id.")
        long regionId;

        @Override
        public Integer call() {
            return withApi((api, out, err) ->
                    printDone(api.post("operators", Map.of("type", "scatter", "region_id", regionId)), out));
        }
    }

    @Command(name = "show", description = "The operators running, and the last ones that ended.")
    static final class Show extends ApiSubcommand {
        @Override
        public Integer call() {
            return withApi((api, out, err) -> {
                JsonNode ops = api.get("operators");
                if (json) {
                    PdSubcommand.printJson(out, ops);
                    return CtlCommand.EXIT_OK;
                }
                out.println("running:");
                print(out, ops.path("running"), false);
                out.println("recent:");
                print(out, ops.path("recent"), true);
                return CtlCommand.EXIT_OK;
            });
        }

        private static void print(java.io.PrintWriter out, JsonNode list, boolean ended) {
            if (list.isEmpty()) {
                out.println("  (none)");
            }
            for (JsonNode o : list) {
                StringBuilder steps = new StringBuilder();
                for (JsonNode s : o.path("steps")) {
                    steps.append(steps.isEmpty() ? "" : ", then ").append(s.asText());
                }
                out.println("  region " + o.path("region_id").asLong() + " "
                        + o.path("kind").asText() + ": " + steps + " ("
                        + o.path("reason").asText() + ")"
                        + (ended ? " " + o.path("status").asText() : ""));
            }
        }
    }
}
