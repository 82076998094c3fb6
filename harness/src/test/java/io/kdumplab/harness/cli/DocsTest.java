package io.kdumplab.harness.cli;

import io.kdumplab.harness.util.Processes;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** The man pages kept in man/ are what the CLI generates today, man renders them, and bash completes from the CLI. */
@Test(groups = "unit")
public class DocsTest {
    /** The repository's man/ (surefire runs in the harness module's directory). */
    private static final Path MAN = Path.of("..", "man");

    @Test
    public void theManPagesInTheTreeAreTheOnesTheCommandLineGenerates() throws Exception {
        Map<String, String> pages = DocsCommand.pages();
        assertTrue(pages.containsKey("harness-repro.1") && pages.containsKey("harness-bisect-run.1"), pages.keySet().toString());
        Set<String> inTree;
        try (Stream<Path> s = Files.list(MAN)) {
            inTree = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertEquals(inTree, pages.keySet(), "man/ holds one page per command; regenerate: java -jar harness/target/harness.jar docs man --out man (not through ./harness.sh: its reports path would become a default)");
        for (Map.Entry<String, String> p : pages.entrySet()) {
            assertEquals(Files.readString(MAN.resolve(p.getKey())), p.getValue(),
                    p.getKey() + " is stale; regenerate: java -jar harness/target/harness.jar docs man --out man (not through ./harness.sh: its reports path would become a default)");
        }
    }

    @Test
    public void manRendersTheReproPageWithItsOptions() {
        Processes.Outcome o = Processes.run(List.of("bash", "-c", "MANWIDTH=100 man -l " + MAN.resolve("harness-repro.1")
                + " | col -b"), Duration.ofSeconds(30), null);
        assertEquals(o.exitCode(), 0, o.output());
        String text = o.output();
        assertTrue(text.contains("NAME") && text.contains("harness-repro - Run the NMI-under-console-flood experiment"), text);
        assertTrue(text.contains("./harness.sh repro [") && text.contains("--control <control>"), text);
        assertTrue(text.contains("EXIT STATUS AND EXAMPLES") && text.contains("125  infrastructure error"), text);
        assertTrue(!text.contains("warning"), text);
    }

    @Test
    public void bashCompletesCommandsAndOptionsFromTheCommandLine() throws Exception {
        Path script = Files.createTempFile("harness-completion", ".bash");
        Files.writeString(script, DocsCommand.completion());
        assertEquals(complete(script, "./harness.sh re"), List.of("repro", "report"));
        assertEquals(complete(script, "./harness.sh repro --con"), List.of("--console", "--control"));
        assertTrue(complete(script, "./harness.sh lab st").contains("status"));
    }

    /** What bash offers for the line's last word, as if TAB was pressed at its end. */
    private static List<String> complete(Path script, String line) {
        String words = String.join(" ", line.split(" "));
        int last = line.split(" ").length - 1;
        Processes.Outcome o = Processes.run(List.of("bash", "-c", "source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD="
                + last + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_harness 2>/dev/null;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\""), Duration.ofSeconds(30), null);
        assertEquals(o.exitCode(), 0, o.output());
        return o.output().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
