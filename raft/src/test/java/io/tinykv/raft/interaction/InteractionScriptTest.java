package io.tinykv.raft.interaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InteractionScriptTest {
    private static final List<String> TEXT = List.of(
            "# a comment",
            "add-nodes 1 voters=(1) index=2",
            "----",
            "old output",
            "",
            "# second",
            "raft-state",
            "----",
            "");

    @Test
    void parsesCommandsWithTheirCommentsAndExpectedOutput() {
        InteractionScript script = InteractionScript.parse(TEXT, "t");
        assertThat(script.blocks()).hasSize(2);
        assertThat(script.blocks().get(0).command()).isEqualTo("add-nodes 1 voters=(1) index=2");
        assertThat(script.blocks().get(0).expected()).containsExactly("old output");
        assertThat(script.blocks().get(0).lineNumber()).isEqualTo(2);
        assertThat(script.blocks().get(1).preamble()).containsExactly("", "# second");
        assertThat(script.blocks().get(1).expected()).isEmpty();
    }

    @Test
    void renderReplacesOutputsAndKeepsEverythingElse() {
        InteractionScript script = InteractionScript.parse(TEXT, "t");
        List<String> rendered = script.render(List.of(List.of("new", "lines"), List.of("ok")));
        assertThat(rendered)
                .containsExactly(
                        "# a comment",
                        "add-nodes 1 voters=(1) index=2",
                        "----",
                        "new",
                        "lines",
                        "",
                        "# second",
                        "raft-state",
                        "----",
                        "ok",
                        "");
        assertThat(InteractionScript.parse(rendered, "t").render(List.of(List.of("new", "lines"), List.of("ok"))))
                .isEqualTo(rendered);
    }

    @Test
    void aCommandWithoutSeparatorIsAnErrorNamingTheLine() {
        assertThatThrownBy(() -> InteractionScript.parse(List.of("", "campaign 1", "ok"), "f.txt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("f.txt:2");
    }

    @Test
    void argumentsParseListsAndRejectUnknownOptions() {
        CommandArgs args = CommandArgs.parse("add-nodes 3 voters=(1, 2,3) prevote=true");
        assertThat(args.idList("voters")).containsExactly(1L, 2L, 3L);
        assertThat(args.boolOption("prevote", false)).isTrue();
        assertThat(args.id(0)).isEqualTo(3);
        assertThatThrownBy(() -> args.allowOnly(Set.of("voters"))).hasMessageContaining("prevote");
        assertThatThrownBy(() -> CommandArgs.parse("x voters=(1,2")).hasMessageContaining("unbalanced");
    }

    @Test
    void badCommandsAreReportedNotCrashed() {
        InteractionEnv env = new InteractionEnv();
        assertThatThrownBy(() -> env.execute("no-such-command")).hasMessageContaining("unknown command");
        assertThatThrownBy(() -> env.execute("campaign 9")).hasMessageContaining("no node 9");
    }
}
