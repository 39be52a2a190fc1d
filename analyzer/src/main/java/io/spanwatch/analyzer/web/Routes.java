package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/** Finds the route of a request among the console's routes. Immutable. */
public final class Routes {
    private final List<Route> routes;

    public Routes(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /** A route and the variables its pattern took from the path. */
    public record Match(Route route, Map<String, String> vars) {
    }

    /**
     * Returns the route for {@code method} and {@code path}; a match of the path with another
     * method has a null route and non-null vars (405); no match at all is null (404).
     */
    public Match find(HttpMethod method, String path) {
        Match other = null;
        if (path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        for (Route r : routes) {
            Map<String, String> vars = r.match(path);
            if (vars != null) {
                if (r.method().equals(method) || (method.equals(HttpMethod.HEAD) && r.method().equals(HttpMethod.GET))) {
                    return new Match(r, vars);
                }
                other = new Match(null, vars);
            }
        }
        return other;
    }
}
