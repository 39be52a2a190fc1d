/**
 * Reports: the weekly (monthly, any range, first-deployment) threat report for the people who decide,
 * as HTML, PDF and JSON under {@code DIR/reports}.
 *
 * <p><b>In:</b> typed events ({@link io.spanwatch.sensor.event.EveEvent}) from an
 * {@link io.spanwatch.analyzer.report.EventSource}: the Lucene index's stored events when
 * {@code DIR/index} has a day ({@link io.spanwatch.analyzer.report.IndexSource}), else
 * {@code DIR/eve.json} ({@link io.spanwatch.analyzer.report.EveFileSource}), both read back through
 * {@link io.spanwatch.sensor.event.EveReader}, so the figures agree whichever is read.
 * One {@link io.spanwatch.analyzer.report.Tally} per period (the report's and the one before, for the
 * trend) computes every figure ({@link io.spanwatch.analyzer.report.Figures}) in one pass:
 * {@link io.spanwatch.analyzer.report.ThreatLedger} (hosts at risk, malware, callbacks, feeds,
 * incidents) and {@link io.spanwatch.analyzer.report.TrafficLedger} (files and verdicts, packets,
 * drops, gaps, hours with traffic).
 *
 * <p><b>Out:</b> {@link io.spanwatch.analyzer.report.ReportJson} (every figure), {@link
 * io.spanwatch.analyzer.report.ReportHtml} (XHTML, charts as inline SVG by {@link
 * io.spanwatch.analyzer.report.Charts}, no script, a Content-Security-Policy that allows only its own
 * style sheet) and {@link io.spanwatch.analyzer.report.ReportPdf} (the same XHTML through
 * openhtmltopdf, fonts shipped in the jar and embedded). {@link io.spanwatch.analyzer.report.Reports}
 * writes the three under temporary names and renames them. Everything from traffic is escaped by
 * {@link io.spanwatch.analyzer.report.Xml}.
 *
 * <p><b>Whose host:</b> an alert is about the internal address ({@code home-net}) it names: for a
 * file, the receiver if internal, else the sender; for a beacon, its client; otherwise the client if
 * internal, else the server. Infected hosts are those of malware alerts; beaconing hosts the clients
 * of beacon alerts; an alert that names no internal host is counted and shown.
 *
 * <p><b>Limits</b> ({@link io.spanwatch.analyzer.report.ReportConfig}, keys {@code report.*}): hosts
 * at risk ({@code report.max-hosts}, 100,000), entries of every other table
 * ({@code report.max-entries}, 10,000), files waiting for a final verdict
 * ({@code report.max-pending-files}, 1,000,000), EVE line length ({@code report.max-line-bytes},
 * 1 MiB); what a full table refuses is counted and listed in the report's coverage section and the
 * JSON's {@code coverage.tables_full}. Every text from an event is cut where it enters the figures
 * ({@link io.spanwatch.analyzer.report.Texts}: 512 characters, an incident's summary 1,024, its
 * timeline 100 alerts). A period has at most {@link
 * io.spanwatch.analyzer.report.ReportPeriod#MAX_DAYS} days.
 *
 * <p><b>Threads:</b> a report is made on the calling thread; {@link
 * io.spanwatch.analyzer.report.ReportSchedule} runs the weekly one on its own daemon thread in a live
 * sensor.
 */
package io.spanwatch.analyzer.report;
