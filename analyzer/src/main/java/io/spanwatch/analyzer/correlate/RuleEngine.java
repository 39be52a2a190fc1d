package io.spanwatch.analyzer.correlate;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.EventSender;
import com.espertech.esper.common.client.annotation.Description;
import com.espertech.esper.common.client.annotation.Tag;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.common.client.module.ModuleItem;
import com.espertech.esper.common.client.util.NameAccessModifier;
import com.espertech.esper.common.client.util.StatementProperty;
import com.espertech.esper.common.client.util.StatementType;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompileException;
import com.espertech.esper.compiler.client.EPCompiler;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.common.client.util.EventTypeBusModifier;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import com.espertech.esper.runtime.client.EPStatement;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the operators' EPL rules ({@code rules/*.epl}) in an embedded Esper runtime whose clock is
 * packet time (external timer), and turns what a rule selects into a {@code correlation} alert.
 *
 * <p>Each statement of each file is compiled and deployed on its own, files in name order, so one
 * that does not compile is reported with its file and line ({@link #errors}) and the others run.
 * Statements share schemas, windows, tables and variables across files (everything a rule creates
 * is public). A changed file is undeployed and deployed again ({@link #reload}); Esper's own state
 * in that file's windows starts empty, the beacon and incident state (kept in Java) is untouched.
 *
 * <p>How a statement names its alert (README, "Writing a rule"): every {@code select} statement that
 * is not {@code insert into} raises one alert per row it outputs, unless tagged
 * {@code @Tag(name='alert', value='false')}. {@code @Name} names the rule; the signature is
 * {@code @Tag(name='signature')}, else {@code @Description}, else the name; {@code signature_id}
 * and {@code severity} come from a tag or a selected column of that name (default severity 2). The
 * alert's addresses are those of the first event the row selects, and the row's plain columns go
 * into {@code alert.metadata}.
 *
 * <p>Not thread-safe: one thread (the correlation thread) calls everything.
 */
final class RuleEngine implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RuleEngine.class);
    private static final Pattern AT_LINE = Pattern.compile("at line (\\d+)");
    /** First signature id of rules that name none. */
    static final long RULE_SID_BASE = 9_200_000L;

    private final EsperEvents events;
    private final Consumer<AlertEvent> alerts;
    private final Configuration configuration;
    private final EPCompiler compiler = EPCompilerProvider.getCompiler();
    private final EPRuntime runtime;
    private final Map<String, EventSender> senders = new HashMap<>();
    private final Map<Path, List<String>> deployments = new TreeMap<>();
    /** Event types each file's deployed statements name: only those are rendered and sent (most events are flows and http). */
    private final Map<Path, java.util.Set<String>> typesUsed = new TreeMap<>();
    private java.util.Set<String> used = java.util.Set.of();
    private final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Consumer<String> problems;
    final AtomicLong ruleAlerts = new AtomicLong();
    final AtomicLong ruleErrors = new AtomicLong();
    /** Files redeployed (or undeployed) because they changed. */
    long reloads;
    long sent;
    /** Esper's packet time (ms); {@link #target} is the latest event's, which Esper catches up to when needed. */
    private long clock = Long.MIN_VALUE;
    private long target = Long.MIN_VALUE;
    /** Compiled statements and split files from earlier runs. */
    private final RuleCache cache = RuleCache.open();
    /** Hash of everything deployed so far: a statement compiled against other statements depends on them. */
    private String pathDigest = "";

    RuleEngine(EveRenderer renderer, InternalHosts internal, Consumer<AlertEvent> alerts, Consumer<String> problems, String uri) {
        this.problems = problems;
        this.events = new EsperEvents(renderer, internal);
        this.alerts = alerts;
        configuration = new Configuration();
        configuration.getRuntime().getThreading().setInternalTimerEnabled(false);
        configuration.getRuntime().getExecution().setPrioritized(true);
        for (Map.Entry<String, Map<String, Object>> t : events.schemas().entrySet()) {
            configuration.getCommon().addEventType(t.getKey(), t.getValue());
        }
        configuration.getCompiler().addPlugInSingleRowFunction("is_ip_literal", RuleFunctions.class.getName(), "isIpLiteral");
        configuration.getCompiler().addPlugInSingleRowFunction("is_executable", RuleFunctions.class.getName(), "isExecutable");
        configuration.getCompiler().addPlugInSingleRowFunction("in_home_net", RuleFunctions.class.getName(), "inHomeNet");
        RuleFunctions.homeNet = internal.homeNet();
        pathDigest = RuleCache.digest(events.schemas().toString() + RuleFunctions.class.getName());
        runtime = EPRuntimeProvider.getRuntime(uri, configuration);
        runtime.initialize();
        for (String t : EsperEvents.TYPES) {
            senders.put(t, runtime.getEventService().getEventSender(t));
        }
    }

    /** Deploys every {@code *.epl} file of {@code dir} in name order; returns the statements deployed. */
    int deployAll(Path dir) {
        int n = 0;
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(RuleEngine::isRuleFile).sorted().toList()) {
                n += deploy(f);
            }
        } catch (IOException e) {
            error("cannot list rules in " + dir + ": " + e.getMessage());
        }
        return n;
    }

    static boolean isRuleFile(Path f) {
        return f.getFileName().toString().endsWith(".epl") && Files.isRegularFile(f);
    }

    /** Undeploys what {@code file} deployed and deploys it again (or only undeploys, when it is gone). */
    void reload(Path file) {
        reloads++;
        if (clock != Long.MIN_VALUE) {
            catchUp(); // the new statements start at the packet time reached
        }
        undeploy(file);
        if (Files.isRegularFile(file)) {
            int n = deploy(file);
            LOG.warn("rules reloaded from {}: {} statements deployed", file, n);
        } else {
            LOG.warn("rules of {} removed", file);
        }
    }

    private void undeploy(Path file) {
        typesUsed.remove(file);
        updateUsed();
        List<String> ids = deployments.remove(file);
        if (ids == null) {
            return;
        }
        for (int i = ids.size() - 1; i >= 0; i--) {
            try {
                runtime.getDeploymentService().undeploy(ids.get(i));
            } catch (Exception e) {
                error(file + ": cannot undeploy a statement others depend on (" + e.getMessage() + "); it stays deployed");
            }
        }
    }

    /** Compiles and deploys each statement of a file; returns how many were deployed. */
    int deploy(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            error("cannot read rules file " + file + ": " + e.getMessage());
            return 0;
        }
        List<RuleCache.Statement> statements;
        try {
            statements = statements(text);
        } catch (Exception e) {
            error(file + ": " + firstLine(e.getMessage()));
            return 0;
        }
        List<String> ids = deployments.computeIfAbsent(file, f -> new ArrayList<>());
        int n = 0;
        for (RuleCache.Statement statement : statements) {
            int line = statement.line();
            try {
                String key = RuleCache.digest(pathDigest + "\n" + statement.epl());
                EPDeployment d = deployCached(key);
                if (d == null) {
                    EPCompiled compiled = compiler.compile(statement.epl(), arguments());
                    d = runtime.getDeploymentService().deploy(compiled);
                    cache.storeCompiled(key, compiled);
                }
                pathDigest = key;
                String code = withoutCommentsAndStrings(statement.epl());
                for (String t : EsperEvents.TYPES) {
                    if (Pattern.compile("\\b" + t + "\\b").matcher(code).find()) {
                        typesUsed.computeIfAbsent(file, f -> new java.util.HashSet<>()).add(t);
                    }
                }
                updateUsed();
                ids.add(d.getDeploymentId());
                for (EPStatement st : d.getStatements()) {
                    listen(st, file, line);
                }
                n++;
            } catch (EPCompileException e) {
                error(file + ":" + errorLine(line, statement.epl(), e.getMessage()) + ": " + reason(e));
            } catch (Exception e) {
                error(file + ":" + line + ": " + reason(e));
            }
        }
        return n;
    }

    /**
     * Returns EPL text with its comments and quoted strings blanked out, so that the event types a
     * statement names are found in its code only (a comment that lists the types names them all).
     */
    static String withoutCommentsAndStrings(String epl) {
        StringBuilder b = new StringBuilder(epl.length());
        int i = 0;
        while (i < epl.length()) {
            char c = epl.charAt(i);
            if (c == '/' && i + 1 < epl.length() && epl.charAt(i + 1) == '/') {
                while (i < epl.length() && epl.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < epl.length() && epl.charAt(i + 1) == '*') {
                int end = epl.indexOf("*/", i + 2);
                i = end < 0 ? epl.length() : end + 2;
                b.append(' ');
            } else if (c == '\'' || c == '"') {
                i++;
                while (i < epl.length() && epl.charAt(i) != c) {
                    i += epl.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                b.append(' ');
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private void updateUsed() {
        java.util.Set<String> u = new java.util.HashSet<>();
        typesUsed.values().forEach(u::addAll);
        used = u;
    }

    private CompilerArguments arguments() {
        CompilerArguments args = new CompilerArguments(configuration);
        args.getPath().add(runtime.getRuntimePath());
        args.getOptions().setAccessModifierEventType(c -> NameAccessModifier.PUBLIC)
                .setAccessModifierNamedWindow(c -> NameAccessModifier.PUBLIC)
                .setAccessModifierTable(c -> NameAccessModifier.PUBLIC)
                .setAccessModifierVariable(c -> NameAccessModifier.PUBLIC)
                .setAccessModifierContext(c -> NameAccessModifier.PUBLIC)
                .setAccessModifierExpression(c -> NameAccessModifier.PUBLIC)
                .setBusModifierEventType(c -> EventTypeBusModifier.BUS);
        return args;
    }

    /**
     * Deploys a statement compiled earlier from the same text on the same path (compiling costs
     * about half a second of CPU per statement, more than a small capture's whole analysis).
     * Returns null when there is none or it cannot be deployed.
     */
    private EPDeployment deployCached(String key) {
        EPCompiled compiled = cache.compiled(key);
        if (compiled == null) {
            return null;
        }
        try {
            return runtime.getDeploymentService().deploy(compiled);
        } catch (Exception e) {
            cache.forgetCompiled(key);
            return null;
        }
    }

    /** Splits a rules file into its statements, with Esper's parser unless the same text was split before. */
    private List<RuleCache.Statement> statements(String text) throws Exception {
        List<RuleCache.Statement> cached = cache.statements(text);
        if (cached != null) {
            return cached;
        }
        List<RuleCache.Statement> out = new ArrayList<>();
        for (ModuleItem item : compiler.parseModule(text).getItems()) {
            if (item.isCommentOnly() || item.getExpression() == null || item.getExpression().isBlank()) {
                continue;
            }
            out.add(new RuleCache.Statement(item.getLineNumberContent() > 0 ? item.getLineNumberContent() : item.getLineNumber(),
                    item.getExpression()));
        }
        cache.storeStatements(text, out);
        return out;
    }

    /**
     * Returns the line of the file a compile error is on: the line Esper names (it counts the lines of
     * the statement's text from 1, and that text starts {@link #linesBeforeCode} lines before the
     * statement's first code, on {@code codeLine}), else the statement's first line of code.
     */
    static int errorLine(int codeLine, String epl, String message) {
        Matcher m = AT_LINE.matcher(message == null ? "" : message);
        return m.find() ? codeLine - linesBeforeCode(epl) + Integer.parseInt(m.group(1)) - 1 : codeLine;
    }

    /** Returns how many line breaks come before the first code of a statement (in blanks and comments). */
    static int linesBeforeCode(String epl) {
        int lines = 0;
        int i = 0;
        while (i < epl.length()) {
            char c = epl.charAt(i);
            int end;
            if (c == '/' && epl.startsWith("//", i)) {
                end = epl.indexOf('\n', i);
                end = end < 0 ? epl.length() : end;
            } else if (c == '/' && epl.startsWith("/*", i)) {
                end = epl.indexOf("*/", i + 2);
                end = end < 0 ? epl.length() : end + 2;
            } else if (Character.isWhitespace(c)) {
                end = i + 1;
            } else {
                return lines;
            }
            for (int k = i; k < end; k++) {
                lines += epl.charAt(k) == '\n' ? 1 : 0;
            }
            i = end;
        }
        return lines;
    }

    /** Longest reason a rule error gives (Esper's messages end with the whole statement, of any length). */
    static final int MAX_REASON = 300;

    /**
     * Returns why a statement failed, in one line of at most {@link #MAX_REASON} characters. A
     * statement nested deeper than the parser's stack (thousands of parentheses) is said to be so:
     * Esper's message for it is "null" followed by the whole statement.
     */
    static String reason(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StackOverflowError) {
                return "the statement is nested too deeply to compile (stack overflow)";
            }
        }
        String s = firstLine(e.getMessage());
        if (s.length() <= MAX_REASON) {
            return s;
        }
        int cut = Character.isHighSurrogate(s.charAt(MAX_REASON - 1)) ? MAX_REASON - 1 : MAX_REASON; // never half a character
        return s.substring(0, cut) + "... (" + (s.length() - cut) + " more characters)";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "error";
        }
        int nl = s.indexOf('\n');
        return nl >= 0 ? s.substring(0, nl) : s;
    }

    private void error(String message) {
        ruleErrors.incrementAndGet();
        if (errors.size() < 1000) {
            errors.add(message);
        }
        problems.accept(message);
    }

    /** Returns the rule errors so far (file:line: message), oldest first. */
    List<String> errors() {
        return List.copyOf(errors);
    }

    private void listen(EPStatement st, Path file, int line) {
        Object type = st.getProperty(StatementProperty.STATEMENTTYPE);
        if (type != StatementType.SELECT) {
            return;
        }
        Map<String, String> tags = new HashMap<>();
        String description = null;
        for (Annotation a : st.getAnnotations()) {
            if (a instanceof Tag t) {
                tags.put(t.name(), t.value());
            } else if (a instanceof Description d) {
                description = d.value();
            }
        }
        if ("false".equalsIgnoreCase(tags.get("alert"))) {
            return;
        }
        String name = st.getName();
        String signature = tags.getOrDefault("signature", description != null ? description : name);
        long sid = parseLong(tags.get("signature_id"), RULE_SID_BASE + Math.floorMod(name.hashCode(), 100_000));
        int severity = (int) Math.max(1, Math.min(3, parseLong(tags.get("severity"), 2)));
        String where = file.getFileName() + ":" + line;
        st.addListener((newEvents, oldEvents, s, rt) -> {
            if (newEvents == null) {
                return;
            }
            for (EventBean row : newEvents) {
                alerts.accept(RuleAlerts.of(row, name, where, signature, sid, severity, clock * 1_000_000));
                ruleAlerts.incrementAndGet();
            }
        });
    }

    private static long parseLong(String s, long dflt) {
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /**
     * Moves the rules' packet time to {@code millis} (never backwards). Esper's clock itself moves
     * only when a timer is due by then or an event is sent ({@link #send}): most events are not
     * sent to any rule, and moving Esper's clock for each would cost more than the rest of the
     * stage. Timers still fire at their own times, in the same order relative to the events.
     */
    void advance(long millis) {
        if (millis <= target) {
            return;
        }
        target = millis;
        if (clock == Long.MIN_VALUE) {
            runtime.getEventService().clockExternal();
            runtime.getEventService().advanceTime(millis);
            clock = millis;
            return;
        }
        Long next = runtime.getEventService().getNextScheduledTime();
        if (next != null && next <= millis) {
            catchUp();
        }
    }

    /** Moves Esper's clock to the packet time of the latest event, firing the timers due by then. */
    private void catchUp() {
        if (target > clock) {
            runtime.getEventService().advanceTimeSpan(target);
            clock = target;
        }
    }

    /** Sends one event to the rules, at the current clock (an event older than the clock is late). */
    void send(EveEvent e) {
        String type = EsperEvents.typeOf(e);
        if (type == null || !used.contains(type)) {
            return;
        }
        catchUp();
        sent++;
        senders.get(type).sendEvent(events.render(e));
    }

    /** Returns the number of statements deployed. */
    int statements() {
        int n = 0;
        for (List<String> ids : deployments.values()) {
            n += ids.size();
        }
        return n;
    }

    /** Returns the deployed rules by file, for stats and the log. */
    Map<Path, Integer> deployed() {
        Map<Path, Integer> out = new LinkedHashMap<>();
        deployments.forEach((f, ids) -> out.put(f, ids.size()));
        return out;
    }

    @Override
    public void close() {
        runtime.destroy();
    }
}
