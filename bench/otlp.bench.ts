/**
 * What one OTLP export of a host costs `perfmem otlp` / `serve --otlp`: mapping 50 Node
 * processes' samples to the conventions' metrics and encoding the request, against the
 * same data encoded by OpenTelemetry's own serializers (@opentelemetry/otlp-transformer, the
 * code inside the SDK's exporters), given the SDK-shaped data for free.
 */
import { gzipSync } from 'node:zlib';
import { ProtobufMetricsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { benchMain, sink, usPerCall } from './harness.js';
import { encodeJsonRequest, encodeProtobufRequest, OtlpMapper } from '../src/export/otlp/index.js';
import { toMetricData } from '../src/otel/index.js';
import { nodeSample } from '../test/export/otlp-helpers.js';

const host = { atMs: 1_700_000_060_000, seq: 1, processes: Array.from({ length: 50 }, (_, i) => nodeSample(1000 + i)) };
const mapper = new OtlpMapper({ hostName: 'bench', scopeVersion: '1' });
const mapped = mapper.mapHost(host);
const encoded = encodeProtobufRequest(mapped);
// The same data as the SDK's ResourceMetrics, one request per process (the SDK sends one resource per request).
const sdkShaped = mapped.map((rm) => ({
  resource: resourceFromAttributes({ ...rm.resource }),
  scopeMetrics: rm.scopeMetrics.map((sm) => ({ scope: sm.scope, metrics: sm.metrics.map(toMetricData).filter((d) => d !== undefined) })),
}));

await benchMain([{
  name: 'OTLP export of 50 Node processes',
  unit: 'µs/op',
  description: `One request for 50 processes (${mapped[0]!.scopeMetrics[0]!.metrics.length} metrics each, ${encoded.length} bytes as protobuf).`,
  variants: {
    'OpenTelemetry ProtobufMetricsSerializer (encode only, 50 resources)': { baseline: true, run: () => usPerCall(() => { for (const rm of sdkShaped) sink.value = ProtobufMetricsSerializer.serializeRequest(rm as never); }, 20) },
    'OpenTelemetry JsonMetricsSerializer (encode only, 50 resources)': { run: () => usPerCall(() => { for (const rm of sdkShaped) sink.value = JsonMetricsSerializer.serializeRequest(rm as never); }, 20) },
    'perfmem map': { run: () => usPerCall(() => { sink.value = mapper.mapHost(host); }, 20) },
    'perfmem protobuf encode': { run: () => usPerCall(() => { sink.value = encodeProtobufRequest(mapped); }, 20) },
    'perfmem JSON encode': { run: () => usPerCall(() => { sink.value = encodeJsonRequest(mapped); }, 20) },
    'perfmem map + protobuf encode': { run: () => usPerCall(() => { sink.value = encodeProtobufRequest(mapper.mapHost(host)); }, 20) },
    'gzip of the protobuf request (level 6, in the sender: asynchronous)': { run: () => usPerCall(() => { sink.value = gzipSync(encoded); }, 20) },
  },
}]);
