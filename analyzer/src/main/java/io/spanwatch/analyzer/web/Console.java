package io.spanwatch.analyzer.web;

import io.spanwatch.analyzer.index.EventIndexReader;
import io.spanwatch.analyzer.index.EventQueryParser;
import io.spanwatch.analyzer.scan.ClamdPool;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Holds what the console's routes share: the output folder and its index, the query parser, who
 * may do what, the alert and saved-search stores, the clamd pool of the scan service, and the
 * routes themselves. Built once by {@link ConsoleServer}; immutable after.
 */
public final class Console {
    private final Path outDir;
    private final EventIndexReader index;
    private final EventQueryParser parser;
    private final ConsoleConfig config;
    private final Authenticator auth;
    private final RateLimiter limiter;
    private final AlertStore alerts;
    private final SavedSearches searches;
    private final ClamdPool clamd;
    private final Clock clock;
    private final Pages pages;
    private final Routes routes;
    private final ConsoleMetrics metrics = new ConsoleMetrics();

    /**
     * @param clamd the scan service's scanners, or null when the console scans nothing
     */
    public Console(Path outDir, EventIndexReader index, ConsoleConfig config, Authenticator auth, AlertStore alerts,
            SavedSearches searches, ClamdPool clamd, Clock clock) {
        this.outDir = outDir;
        this.index = index;
        this.parser = new EventQueryParser(index.schema(), clock);
        this.config = config;
        this.auth = auth;
        this.limiter = new RateLimiter(config.ratePerSecond());
        this.alerts = alerts;
        this.searches = searches;
        this.clamd = clamd;
        this.clock = clock;
        this.pages = new Pages(this);
        index.onSearches(metrics.searchListener());
        this.routes = new Routes(List.of(
                new LoginPage(this), new LoginAction(this), new LogoutAction(this), new StaticResource(),
                new SearchPage(this), new EventPage(this), new HostPage(this), new FilePage(this),
                new FileDownload(this), new QuarantineDownload(this), new AlertsPage(this), new AlertAction(this),
                new SavedSearchesPage(this), new SavedSearchAction(this),
                new ApiEvents(this), new ApiEvent(this), new ApiFacets(this), new ApiHistogram(this), new ApiAlert(this),
                new ApiScan(this)));
    }

    /** The console's own metrics (bound to the served registry by {@code console --metrics}). */
    public ConsoleMetrics metrics() {
        return metrics;
    }

    public Path outDir() {
        return outDir;
    }

    public EventIndexReader index() {
        return index;
    }

    public EventQueryParser parser() {
        return parser;
    }

    public ConsoleConfig config() {
        return config;
    }

    public Authenticator auth() {
        return auth;
    }

    public RateLimiter limiter() {
        return limiter;
    }

    public AlertStore alerts() {
        return alerts;
    }

    public SavedSearches searches() {
        return searches;
    }

    public ClamdPool clamd() {
        return clamd;
    }

    public Clock clock() {
        return clock;
    }

    public Pages pages() {
        return pages;
    }

    public Routes routes() {
        return routes;
    }
}
