/** OTLP payloads from monitor samples: mapping to the semantic conventions, protobuf and JSON. */
export type { Attributes, AttributeValue, HistogramPoint, Metric, NumberPoint, PartialSuccess, ResourceMetrics, ScopeMetrics, SummaryPoint } from './model.js';
export { msToUnixNano, TEMPORALITY_CUMULATIVE } from './model.js';
export { encodeProtobufRequest, decodeProtobufResponse } from './protobuf.js';
export { encodeJsonRequest, decodeJsonResponse, jsonRequest } from './json.js';
export { OtlpMapper, SCOPE_NAME } from './map.js';
export type { MapOptions } from './map.js';
export { processResource, instanceId } from './resource.js';
export type { ResourceOptions } from './resource.js';
export { METRICS, ATTRIBUTES, RESOURCE, LOOP_DELAY_HISTOGRAM } from './semconv.js';
export type { MetricName } from './semconv.js';
export { MetricsBuilder } from './builder.js';
export { mapNode, heapSpaces, v8SpaceName, exportBuckets } from './map-node.js';
export type { NodeState, Lookup } from './map-node.js';
export { perfmemVersion } from './version.js';
export { mapApps, mapFamily } from './map-app.js';
