/** SpanWatch sensor stage: flow (guide to follow). */
package io.spanwatch.sensor.flow;
