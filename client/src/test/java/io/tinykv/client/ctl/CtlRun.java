package io.tinykv.client.ctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** What one run of {@code tinykv ctl} printed and returned. */
record CtlRun(int exitCode, String out, String err) {

    static CtlRun of(CtlCommand ctl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(ctl);
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exitCode = command.execute(args);
        return new CtlRun(exitCode, out.toString(), err.toString());
    }
}
