/**
 * Event bus: how the sensor's typed events ({@link io.spanwatch.sensor.event.EveEvent}) pass through
 * the analyzer stages on their way to the outputs.
 *
 * <p>In: every event of the sensor's workers and of the scan stage ({@link EventBus#accept}). Out:
 * the same events, in the same form, to every {@link AnalyzerStage} in the order they were given —
 * reputation, the flow-alerted bookkeeping ({@link FlowAlerts}), correlation, then the outputs
 * (index, feeds, metrics, the EVE writer). A stage may raise events of its own (an alert, an
 * incident) by handing them to the bus, which passes them through every stage from the first, so
 * an alert reaches correlation, the index and the feeds like any other event. A stage may also hold
 * an event back and let it go on later ({@link EventBus#resume}).
 *
 * <p>Limits: {@link FlowAlerts} holds the {@code flow} events of flows whose files still wait for a
 * final scan verdict ({@code bus.max-held-flows}, 100,000; the oldest goes out when it is full,
 * {@code bus.held_flows_released_early}) and remembers the flows that had an alert until their flow
 * event passes ({@code bus.max-alerted-flows}, 1,000,000; oldest forgotten, {@code bus.alerted_flows_forgotten}).
 *
 * <p>Threads: the bus runs each event through the stages on the thread that hands it in (worker,
 * scan, correlation threads); stages are thread-safe and never block for long.
 */
package io.spanwatch.analyzer.events;
