package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.feed.FeedConfig;
import io.spanwatch.analyzer.feed.FeedSpec;
import io.spanwatch.analyzer.feed.FeedStage;
import io.spanwatch.analyzer.feed.Feeds;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Delivers what the feeds' outboxes under {@code DIR/outbox} hold: what an offline run left, or what
 * waited while a receiver was down. Each feed goes to the receiver its stored URI names, or to the one
 * a {@code --feed} of the same name gives now; a {@code --feed} whose name no outbox has is an error
 * naming the outboxes there (it used to make an empty outbox of its own and say that nothing waits).
 * Exits 0 when every outbox is empty, 1 when something still waits (each feed says how much and why).
 */
@Command(name = "feed", mixinStandardHelpOptions = true,
        description = "Deliver the alerts and incidents waiting in DIR/outbox (left by an offline run or a receiver that was down).")
public final class FeedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder of the run (holds outbox/).")
    Path out;

    @Option(names = "--feed", paramLabel = "URI", description = "Deliver this feed (its outbox is found by name: the URI's name=, "
            + "or the one derived from it); repeatable. Default: every outbox under DIR/outbox, to the URI stored with it.")
    List<String> feeds = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up after this long per feed (default ${DEFAULT-VALUE}).")
    int timeoutSeconds = 60;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        if (timeoutSeconds < 0) {
            err.println("spanwatch: --timeout " + timeoutSeconds + ": must be 0 or more seconds"); // it said: bad feed settings
            return 1;
        }
        if (!Files.isDirectory(out)) {
            err.println("spanwatch: " + out + ": no such folder");
            return 1;
        }
        Map<String, FeedSpec> specs = new LinkedHashMap<>();
        try {
            if (feeds.isEmpty()) {
                for (FeedSpec s : Feeds.stored(out)) {
                    specs.put(s.name(), s);
                }
            } else {
                List<String> outboxes = Feeds.stored(out).stream().map(FeedSpec::name).toList();
                for (String u : feeds) {
                    FeedSpec s = FeedSpec.parse(u);
                    if (!outboxes.contains(s.name())) {
                        err.println("spanwatch: --feed " + u + ": no outbox named " + s.name() + " under " + out.resolve(Feeds.OUTBOX)
                                + (outboxes.isEmpty() ? " (there is none)" : " (there: " + String.join(", ", outboxes)
                                        + "; add name=NAME to the URI to deliver that outbox to it)"));
                        return 1;
                    }
                    specs.put(s.name(), s);
                }
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        }
        if (specs.isEmpty()) {
            outw.println("no outbox under " + out.resolve(Feeds.OUTBOX) + ": nothing to deliver");
            return 0;
        }
        FeedConfig config = FeedConfig.DEFAULTS.withDrainMillis(timeoutSeconds * 1000L);
        List<FeedStage> open = new ArrayList<>();
        int status = 0;
        try {
            for (FeedSpec s : specs.values()) {
                open.add(Feeds.open(s, out, config, "", false, null).start());
            }
            for (FeedStage f : open) {
                f.drain();
                long left = f.pending();
                outw.println("feed " + f.name() + ": " + f.delivered() + " delivered, " + left + " waiting");
                if (left > 0) {
                    err.println("spanwatch: feed " + f.name() + ": " + left + " still wait in " + f.outboxDir()
                            + (f.lastError() != null ? " (" + f.lastError() + ")" : ""));
                    status = 1;
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("spanwatch: " + e.getMessage());
            status = 1;
        } finally {
            for (FeedStage f : open) {
                f.close();
            }
        }
        return status;
    }
}
