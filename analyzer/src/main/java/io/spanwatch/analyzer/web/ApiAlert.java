package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves {@code POST /api/v1/alerts/ID} with a JSON body {@code {"action": "ack"|"unack"|"assign"|"comment",
 * "text": "..."}} (or the same as a form): records it and answers the alert's state
 * {@code {"id", "acknowledged", "acknowledged_by", "acknowledged_at", "assignee", "comments": [{"by", "at", "text"}]}}.
 */
final class ApiAlert extends Route {
    private final Console console;

    ApiAlert(Console console) {
        super(HttpMethod.POST, "/api/v1/alerts/{id}", Role.ACT);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String action = r.param("action", null);
        String text = r.param("text", null);
        if (r.http().headers().get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/json")) {
            JsonNode body;
            try {
                body = Response.JSON.readTree(r.http().content().toString(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new Request.BadRequest("body is not JSON");
            }
            action = body.path("action").asText(null);
            text = body.path("text").asText(null);
        }
        if (action == null) {
            throw new Request.BadRequest("action is needed (ack, unack, assign, comment)");
        }
        AlertStore.State st = AlertAction.act(console, r.var("id"), action, text, r.principal().name());
        if (st == null) {
            return Response.error(HttpResponseStatus.NOT_FOUND, "no such alert");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.var("id"));
        out.put("acknowledged", st.acknowledged());
        out.put("acknowledged_by", st.acknowledgedBy());
        out.put("acknowledged_at", st.acknowledgedAt() == null ? null : st.acknowledgedAt().toString());
        out.put("assignee", st.assignee());
        out.put("comments", st.comments().stream().map(c -> Map.of("by", c.by(), "at", c.at().toString(), "text", c.text())).toList());
        return Response.json(out);
    }
}
