package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line builds only the subcommand named, and every one when none is named. */
class MainCommandLineTest {
    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertEquals(Set.of("analyze"), Main.commandLine("analyze", "--out", "x", "a.pcap").getSubcommands().keySet());
        // an alias builds its command, under both names as picocli registers them
        CommandLine run = Main.commandLine("run", "--interface", "eth1");
        assertEquals(Set.of("sensor", "run"), run.getSubcommands().keySet());
        assertEquals("sensor", run.getSubcommands().get("run").getCommandName());
    }

    @Test
    void withoutASubcommandEveryOneIsBuilt() {
        int all = Main.SUBCOMMANDS.size() + 1; // and the sensor's alias
        for (List<String> args : List.of(List.<String>of(), List.of("--help"), List.of("analyz"), List.of("-V"))) {
            assertEquals(all, Main.commandLine(args.toArray(String[]::new)).getSubcommands().size(), args.toString());
        }
        for (Class<?> c : Main.SUBCOMMANDS) {
            assertTrue(Main.commandLine().getSubcommands().containsKey(c.getAnnotation(Command.class).name()), c.getName());
        }
    }

    @Test
    void aMisspeltSubcommandIsStillAnsweredWithTheNearest() {
        CommandLine cl = Main.commandLine("analyz", "--out", "x");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        assertEquals(2, cl.execute("analyz", "--out", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Did you mean: spanwatch analyze"), err.toString(StandardCharsets.UTF_8));
    }
}
