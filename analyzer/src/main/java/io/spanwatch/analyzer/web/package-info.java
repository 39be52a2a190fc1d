/**
 * Web: the analyst console ({@code spanwatch console}), a Netty HTTP server with server-rendered
 * pages and a JSON API over the index.
 *
 * <p><b>In:</b> HTTP requests. {@link io.spanwatch.analyzer.web.ConsoleServer}'s pipeline:
 * [TLS] → HTTP codec → read timeout → {@link io.spanwatch.analyzer.web.RequestGate} (Host without
 * authentication, route, body size, who, rate limit, role; all from the request head, before a body is buffered) → aggregator
 * → {@link io.spanwatch.analyzer.web.Router} (CSRF and origin checks, then the route's handler on a
 * worker thread). One class per route ({@link io.spanwatch.analyzer.web.Route}), e.g.
 * {@link io.spanwatch.analyzer.web.SearchPage}, {@link io.spanwatch.analyzer.web.ApiEvents}.
 *
 * <p><b>Out:</b> HTML built with {@link io.spanwatch.analyzer.web.Html}, where every value from
 * traffic is text; JSON; stored files as attachments only. Every response carries a strict
 * Content-Security-Policy (nothing inline, nothing from elsewhere), {@code nosniff}, no framing.
 * State: tokens ({@code DIR/console/tokens}, SHA-256 only), sessions (memory), alert actions
 * ({@code DIR/console/alerts.jsonl}), saved searches ({@code DIR/console/searches.json}).
 *
 * <p><b>Limits</b> ({@link io.spanwatch.analyzer.web.ConsoleConfig}, keys {@code console.*}):
 * request body 64 KiB, upload 25 MiB and 20 files, start line 8 KiB, headers 16 KiB, 20 requests a
 * second per token (bursts of 40; per address before login), 4 worker threads with 64 queued
 * requests (then 503), search time 10 s, sessions 10,000 (12 h idle), 4 scans at once, comments
 * 2,000 characters and 200 per alert, 1,000 saved searches; 1,024 connections open at once and 128 from
 * one address, a request's head whole within 20 s ({@link io.spanwatch.analyzer.web.ConnectionGuard}).
 *
 * <p><b>Threads:</b> one acceptor and two I/O event loops (never blocked), the worker threads, and
 * one thread refreshing the index reader every second.
 */
package io.spanwatch.analyzer.web;
