package io.spanwatch.analyzer.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists every configuration key with its default and meaning. */
@Command(name = "config-keys", mixinStandardHelpOptions = true,
        description = "List the configuration keys (for --config FILE and --set KEY=VALUE) with their defaults.")
public final class ConfigKeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        ConfigKeys.describe(w::println);
        w.flush();
        return 0;
    }
}
