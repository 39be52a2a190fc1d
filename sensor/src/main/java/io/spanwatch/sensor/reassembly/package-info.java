/** SpanWatch sensor stage: reassembly (guide to follow). */
package io.spanwatch.sensor.reassembly;
