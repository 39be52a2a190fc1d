package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.web.Role;
import io.spanwatch.analyzer.web.Tokens;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Makes, lists and revokes the console's tokens ({@code DIR/console/tokens}; only their SHA-256 is
 * kept). A running console picks up changes within a second.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Make, list and revoke console tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
public final class TokenCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static Path file(Path out) {
        return out.resolve("console").resolve("tokens");
    }

    /** {@code token create}: prints the new token once. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Make a token and print it (it is shown only this once).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder the console serves.")
        Path out;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Who or what uses it (letters, digits, . _ @ -).")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", description = "read (search and look) or act (also acknowledge, assign, comment, scan); default ${DEFAULT-VALUE}.")
        String role = "read";

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            try {
                Role r = Role.parse(role);
                String token = Tokens.open(file(out)).create(name, r);
                spec.commandLine().getOut().println(token);
                err.println("spanwatch token: made " + name + " (" + r.label() + "); keep the token above: it is not stored");
                return 0;
            } catch (IllegalArgumentException e) {
                err.println("spanwatch token: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code token list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (names, roles, when made).")
    static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder the console serves.")
        Path out;

        @Override
        public Integer call() throws Exception {
            PrintWriter w = spec.commandLine().getOut();
            for (Tokens.Entry e : Tokens.open(file(out)).list()) {
                w.println(e.name() + "\t" + e.role().label() + "\t" + e.created());
            }
            w.flush();
            return 0;
        }
    }

    /** {@code token revoke NAME}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token; its sessions end too.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder the console serves.")
        Path out;

        @Parameters(paramLabel = "NAME", description = "The token's name.")
        String name;

        @Override
        public Integer call() throws Exception {
            if (!Tokens.open(file(out)).revoke(name)) {
                spec.commandLine().getErr().println("spanwatch token: no token named " + name);
                return 1;
            }
            spec.commandLine().getErr().println("spanwatch token: revoked " + name);
            return 0;
        }
    }
}
