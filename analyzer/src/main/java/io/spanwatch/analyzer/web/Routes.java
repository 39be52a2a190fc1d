package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Finds the route of a request among the console's routes. Immutable. */
public final class Routes {
    private final List<Route> routes;

    public Routes(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /**
     * A route and the variables its pattern took from the path; for a path whose routes take other
     * methods, a null route and the methods they take ({@code allow}, the 405's {@code Allow} header).
     */
    public record Match(Route route, Map<String, String> vars, String allow) {
    }

    /**
     * Returns the route for {@code method} and {@code path}; a match of the path with another
     * method has a null route and non-null vars (405); no match at all is null (404).
     */
    public Match find(HttpMethod method, String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        Map<String, String> other = null;
        Set<String> allow = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> vars = r.match(path);
            if (vars != null) {
                if (r.method().equals(method) || (method.equals(HttpMethod.HEAD) && r.method().equals(HttpMethod.GET))) {
                    return new Match(r, vars, null);
                }
                other = vars;
                allow.add(r.method().name());
                if (r.method().equals(HttpMethod.GET)) {
                    allow.add(HttpMethod.HEAD.name());
                }
            }
        }
        return other == null ? null : new Match(null, other, String.join(", ", allow));
    }
}
