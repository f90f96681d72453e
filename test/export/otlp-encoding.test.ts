import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeJsonResponse, decodeProtobufResponse, encodeJsonRequest, encodeProtobufRequest,
  type Attributes, type Metric, type ResourceMetrics,
} from '../../src/export/otlp/index.js';
import { attrs, decodeJson, decodeProtobuf, ResponseType, type Decoded } from './otlp-helpers.js';

/** Drops what proto3 cannot tell from a default (empty strings, false, empty lists) so both decodings compare. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === '' || x === false || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = strip(x);
    }
    return out;
  }
  return v;
}

const key = fc.string({ minLength: 1, maxLength: 12 });
const attrValue = fc.oneof(fc.string({ maxLength: 40 }), fc.boolean(), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)));
const attributes: fc.Arbitrary<Attributes> = fc.dictionary(key, attrValue, { maxKeys: 4 });
// Times as OpenTelemetry JS handles them: below 2^63 ns (its decoders read fixed64 through a signed Long).
const time = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });
const numberPoint = fc.record({
  attributes, startTimeUnixNano: time, timeUnixNano: time,
  value: fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
  isInt: fc.boolean(),
}).map((p) => ({ ...p, isInt: p.isInt && Number.isSafeInteger(p.value) }));
const histogramPoint = fc.array(fc.nat({ max: 1e9 }), { maxLength: 8 }).chain((counts) => fc.record({
  attributes, startTimeUnixNano: time, timeUnixNano: time,
  count: fc.constant(counts.reduce((a, b) => a + b, 0)),
  sum: fc.double({ min: 0, max: 1e12, noNaN: true }),
  bucketCounts: fc.constant(counts),
  explicitBounds: fc.constant(counts.slice(1).map((_, i) => (i + 1) * 0.5)),
  min: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  max: fc.option(fc.double({ min: 1, max: 2, noNaN: true }), { nil: undefined }),
}));
const summaryPoint = fc.record({
  attributes, startTimeUnixNano: time, timeUnixNano: time,
  count: fc.nat({ max: 1e9 }), sum: fc.double({ min: 0, max: 1e12, noNaN: true }),
  quantiles: fc.array(fc.record({ quantile: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 4 }),
});
const base = { name: fc.string({ minLength: 1, maxLength: 30 }), description: fc.string({ maxLength: 30 }), unit: fc.constantFrom('', 's', 'By', '{thread}', '1') };
const metric: fc.Arbitrary<Metric> = fc.oneof(
  fc.record({ ...base, kind: fc.constant('sum' as const), monotonic: fc.boolean(), points: fc.array(numberPoint, { minLength: 1, maxLength: 3 }) }),
  fc.record({ ...base, kind: fc.constant('gauge' as const), points: fc.array(numberPoint, { minLength: 1, maxLength: 3 }) }),
  fc.record({ ...base, kind: fc.constant('histogram' as const), points: fc.array(histogramPoint, { minLength: 1, maxLength: 2 }) }),
  fc.record({ ...base, kind: fc.constant('summary' as const), points: fc.array(summaryPoint, { minLength: 1, maxLength: 2 }) }),
);
const request: fc.Arbitrary<ResourceMetrics[]> = fc.array(fc.record({
  resource: attributes,
  scopeMetrics: fc.array(fc.record({ scope: fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), version: fc.string({ maxLength: 8 }) }), metrics: fc.array(metric, { maxLength: 4 }) }), { minLength: 1, maxLength: 2 }),
}), { maxLength: 3 });

/** A double as both encodings send it: a negative zero as zero (a JSON number cannot spell it). */
const onWire = (v: number): number => (v === 0 ? 0 : v);

function checkAgainstModel(d: Decoded, model: ResourceMetrics[]): void {
  assert.equal(d.resourceMetrics?.length ?? 0, model.length);
  model.forEach((rm, i) => {
    const got = d.resourceMetrics[i]!;
    const a = attrs(got.resource.attributes);
    for (const [k, v] of Object.entries(rm.resource)) {
      if (typeof v === 'number' && Number.isSafeInteger(v)) assert.equal(a[k], String(v), k);
      else assert.equal(a[k], v, k);
    }
    rm.scopeMetrics.forEach((sm, j) => {
      const gs = got.scopeMetrics[j]!;
      assert.equal(gs.scope.name, sm.scope.name);
      sm.metrics.forEach((m, k) => {
        const gm = (gs.metrics ?? [])[k]!;
        assert.equal(gm.name, m.name);
        if (m.kind === 'histogram') {
          assert.equal(gm.histogram?.aggregationTemporality, 2);
          m.points.forEach((p, n) => {
            const gp = gm.histogram!.dataPoints[n]!;
            assert.equal(gp.count, String(p.count));
            assert.equal(gp.startTimeUnixNano, p.startTimeUnixNano.toString());
            assert.deepEqual(gp.bucketCounts ?? [], p.bucketCounts.map(String));
            assert.deepEqual(gp.explicitBounds ?? [], p.explicitBounds);
            assert.equal(gp.max, p.max);
          });
        } else if (m.kind === 'summary') {
          m.points.forEach((p, n) => {
            const gp = gm.summary!.dataPoints[n]!;
            assert.equal(gp.count, String(p.count));
            assert.deepEqual((gp.quantileValues ?? []).map((q) => [q.quantile ?? 0, q.value ?? 0]), p.quantiles.map((q) => [onWire(q.quantile), onWire(q.value)]));
          });
        } else {
          const data = m.kind === 'sum' ? gm.sum! : gm.gauge!;
          if (m.kind === 'sum') {
            assert.equal(gm.sum!.aggregationTemporality, 2);
            assert.equal(gm.sum!.isMonotonic ?? false, m.monotonic);
          }
          m.points.forEach((p, n) => {
            const gp = data.dataPoints[n]!;
            assert.equal(gp.timeUnixNano, p.timeUnixNano.toString());
            if (p.isInt) assert.equal(gp.asInt, String(p.value));
            else assert.ok(Object.is(gp.asDouble, onWire(p.value)), `${gp.asDouble} vs ${p.value}`);
          });
        }
      });
    });
  });
}

test('protobuf and JSON requests decode with OpenTelemetry\'s generated code to the same data, and to the model', () => {
  fc.assert(fc.property(request, (model) => {
    const fromProto = decodeProtobuf(encodeProtobufRequest(model));
    const fromJson = decodeJson(encodeJsonRequest(model));
    checkAgainstModel(fromProto, model);
    checkAgainstModel(fromJson, model);
    assert.deepEqual(strip(fromProto), strip(fromJson));
  }), { numRuns: 300 });
});

test('a negative zero goes as zero in both encodings', () => {
  const model: ResourceMetrics[] = [{ resource: {}, scopeMetrics: [{ scope: { name: 's', version: '' }, metrics: [
    { kind: 'summary', name: 'q', description: '', unit: '', points: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0, sum: 0, quantiles: [{ quantile: 0, value: -0 }] }] },
    { kind: 'gauge', name: 'g', description: '', unit: '', points: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, value: -0, isInt: false }] },
  ] }] }];
  for (const d of [decodeProtobuf(encodeProtobufRequest(model)), decodeJson(encodeJsonRequest(model))]) {
    const [summary, gauge] = d.resourceMetrics[0]!.scopeMetrics[0]!.metrics!;
    assert.ok(Object.is(summary!.summary!.dataPoints[0]!.quantileValues![0]!.value, 0));
    assert.ok(Object.is(gauge!.gauge!.dataPoints[0]!.asDouble, 0));
  }
});

test('nested lengths past one and two varint bytes are encoded right', () => {
  const big = 'x'.repeat(20_000);
  const model: ResourceMetrics[] = [{ resource: { big, n: -5 }, scopeMetrics: [{ scope: { name: 's', version: '' }, metrics: [{ kind: 'gauge', name: 'g', description: 'y'.repeat(300), unit: 's', points: [{ attributes: { a: big }, startTimeUnixNano: 1n, timeUnixNano: 2n, value: -7, isInt: true }] }] }] }];
  const d = decodeProtobuf(encodeProtobufRequest(model));
  assert.equal(attrs(d.resourceMetrics[0]!.resource.attributes).big, big);
  assert.equal(attrs(d.resourceMetrics[0]!.resource.attributes).n, '-5');
  assert.equal(d.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge!.dataPoints[0]!.asInt, '-7');
});

test('partial success in a response is read from protobuf and JSON; a full success reads as none', () => {
  const pb = ResponseType.encode(ResponseType.fromObject({ partialSuccess: { rejectedDataPoints: 3, errorMessage: 'bad unit' } })).finish();
  assert.deepEqual(decodeProtobufResponse(pb), { rejectedDataPoints: 3, errorMessage: 'bad unit' });
  assert.equal(decodeProtobufResponse(new Uint8Array(0)), undefined);
  assert.equal(decodeProtobufResponse(ResponseType.encode(ResponseType.fromObject({ partialSuccess: {} })).finish()), undefined);
  assert.deepEqual(decodeJsonResponse(Buffer.from('{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"x"}}')), { rejectedDataPoints: 2, errorMessage: 'x' });
  assert.equal(decodeJsonResponse(Buffer.from('{}')), undefined);
});

test('a hostile response body never hangs or throws anything but an Error', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    try {
      decodeProtobufResponse(bytes);
    } catch (err) {
      assert.ok(err instanceof Error);
    }
  }), { numRuns: 2000 });
});
