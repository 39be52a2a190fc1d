package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.ReadmeNames;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Holds the READMEs against the command line: every configuration key they name is a key
 * {@code config-keys} lists, their configuration examples load, and every option they show after
 * {@code spanwatch COMMAND} is an option of that command. A key renamed or an option dropped without
 * the README following fails here, naming the line.
 */
class ReadmeReferenceTest {
    /** A dotted key name, alone in its span or as the left side of {@code key=value}. */
    private static final Pattern KEY_SPAN = Pattern.compile("(?:--set )?([a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+)(?:\\s*=.*)?");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--(?:\\[no-])?([a-z][a-z0-9-]*)");

    @Test
    void everyConfigurationKeyTheReadmesNameExists() throws Exception {
        Set<String> prefixes = ConfigKeys.KEYS.keySet().stream().map(k -> k.split("\\.")[0]).collect(Collectors.toSet());
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        for (ReadmeNames.Line line : ReadmeNames.lines()) {
            for (String span : ReadmeNames.codeSpans(line.text())) {
                Matcher m = KEY_SPAN.matcher(span.strip());
                // Keys are kebab-case; counters and EVE fields (`scan.dropped`) use underscores.
                if (!m.matches() || !m.group(1).contains("-") || !prefixes.contains(m.group(1).split("\\.")[0])) {
                    continue;
                }
                checked++;
                if (!ConfigKeys.KEYS.containsKey(m.group(1))) {
                    unknown.add(line.where() + ": " + m.group(1));
                }
            }
        }
        assertTrue(checked > 100, "keys found in the READMEs: " + checked);
        assertEquals(List.of(), unknown, "keys the READMEs name that spanwatch config-keys does not list");
    }

    @Test
    void theConfigurationExamplesLoad(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(TestPaths.repoRoot().resolve("README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("(?s)```properties\n(.*?)```").matcher(readme);
        assertTrue(block.find(), "README.md has a properties example");
        Path example = tmp.resolve("readme.conf");
        Files.writeString(example, block.group(1), StandardCharsets.UTF_8);
        for (Path conf : List.of(example, TestPaths.repoRoot().resolve("systemd/sensor.conf"))) {
            SensorSettings s = new SensorSettings();
            s.load(conf); // unknown keys fail here, bad values in the builds
            s.build(SensorConfig.defaults(tmp.resolve("out"), true));
            s.buildFeeds(List.of());
            s.metricsListen(null);
        }
    }

    @Test
    void everyOptionTheReadmesShowBelongsToItsCommand() throws Exception {
        Map<String, CommandLine> commands = Main.commandLine().getSubcommands();
        // Longest names first, so that `scan-queue` is not read as `scan`.
        List<String> names = commands.keySet().stream().sorted(Comparator.comparing(String::length).reversed())
                .map(Pattern::quote).toList();
        Pattern use = Pattern.compile("spanwatch (" + String.join("|", names) + ")(?![\\w-])([^`#|;&)]*)");
        Pattern subcommand = Pattern.compile("^ ([a-z]+)\\b");
        List<String> wrong = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (ReadmeNames.Line line : ReadmeNames.lines()) {
            Matcher m = use.matcher(line.text());
            while (m.find()) {
                CommandLine cmd = commands.get(m.group(1));
                String rest = m.group(2);
                Matcher sub = subcommand.matcher(rest);
                if (sub.find() && cmd.getSubcommands().containsKey(sub.group(1))) {
                    cmd = cmd.getSubcommands().get(sub.group(1)); // spanwatch token create ...
                }
                seen.add(cmd.getCommandName());
                Matcher o = OPTION.matcher(rest);
                while (o.find()) {
                    if (cmd.getCommandSpec().findOption("--" + o.group(1)) == null) {
                        wrong.add(line.where() + ": " + cmd.getCommandSpec().qualifiedName(" ") + " has no --" + o.group(1));
                    }
                }
            }
        }
        assertTrue(seen.containsAll(Set.of("analyze", "sensor", "scan", "demo", "scan-queue", "feed", "report", "console", "index", "create")),
                "commands shown in the READMEs: " + seen);
        assertEquals(List.of(), wrong, "options the READMEs show that the command does not take");
    }
}
