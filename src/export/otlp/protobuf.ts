/**
 * ExportMetricsServiceRequest in protobuf (opentelemetry-proto collector/metrics/v1), written
 * by hand: the messages perfmem sends use a dozen field kinds, and a generated protobuf
 * runtime would be larger than the whole package. Field numbers are the proto's; the test
 * decodes the output with OpenTelemetry's own generated code.
 */
import type { Attributes, HistogramPoint, Metric, NumberPoint, PartialSuccess, ResourceMetrics, SummaryPoint } from './model.js';
import { TEMPORALITY_CUMULATIVE } from './model.js';

const VARINT = 0, FIXED64 = 1, LEN = 2;
const utf8 = new TextEncoder();

/** A growable byte buffer with protobuf's primitive encodings and nested messages. */
export class ProtoWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly starts: number[] = [];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private rawVarint(v: number): void {
    this.ensure(10);
    // Safe integers only (callers check); above 2^31 bit operations would truncate.
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private rawBigVarint(v: bigint): void {
    this.ensure(10);
    let u = BigInt.asUintN(64, v);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** A non-negative integer (uint32/uint64/enum/bool) as a varint. */
  uint(field: number, v: number): void {
    this.tag(field, VARINT);
    this.rawVarint(Number.isSafeInteger(v) && v > 0 ? v : 0);
  }

  /** int64 as a varint (negative numbers take ten bytes, as the proto says). */
  int64(field: number, v: number): void {
    this.tag(field, VARINT);
    this.rawBigVarint(BigInt(Number.isSafeInteger(v) ? v : 0));
  }

  bool(field: number, v: boolean): void {
    this.tag(field, VARINT);
    this.rawVarint(v ? 1 : 0);
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  sfixed64(field: number, v: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt(Number.isSafeInteger(v) ? v : 0), true);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    // A negative zero goes as zero, as OTLP/JSON sends it (a JSON number cannot spell it, and
    // the sign of a zero means nothing in a metric): both encodings carry the same data.
    this.view.setFloat64(this.pos, v === 0 ? 0 : v, true);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    // Straight into the buffer: a length placeholder, then the UTF-8 bytes, no copy.
    this.begin(field);
    this.ensure(s.length * 3);
    this.pos += utf8.encodeInto(s, this.buf.subarray(this.pos)).written;
    this.end();
  }

  packedFixed64(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.tag(field, LEN);
    this.rawVarint(values.length * 8);
    this.ensure(values.length * 8);
    for (const v of values) {
      // Two 32-bit halves: no BigInt per bucket.
      const n = Number.isSafeInteger(v) && v > 0 ? v : 0;
      this.view.setUint32(this.pos, n % 0x1_0000_0000, true);
      this.view.setUint32(this.pos + 4, Math.floor(n / 0x1_0000_0000), true);
      this.pos += 8;
    }
  }

  packedDouble(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.tag(field, LEN);
    this.rawVarint(values.length * 8);
    this.ensure(values.length * 8);
    for (const v of values) {
      this.view.setFloat64(this.pos, v === 0 ? 0 : v, true); // -0 as 0, as in double()
      this.pos += 8;
    }
  }

  /** Opens a nested message in `field`; close it with end(). One byte is kept for its length. */
  begin(field: number): void {
    this.tag(field, LEN);
    this.ensure(1);
    this.starts.push(this.pos);
    this.pos += 1;
  }

  /**
   * Closes the innermost message. Most messages (attributes, points) are under 128 bytes and
   * their length fits the byte kept; a longer one moves its bytes up to make room.
   */
  end(): void {
    const start = this.starts.pop()!;
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let size = 1;
    for (let v = len; v > 0x7f; v = Math.floor(v / 128)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    const end = this.pos + size - 1;
    this.pos = start;
    this.rawVarint(len);
    this.pos = end;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

// AnyValue: 1 string, 2 bool, 3 int, 4 double. KeyValue: 1 key, 2 value.
function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    w.begin(field);
    w.string(1, key);
    w.begin(2);
    if (typeof value === 'string') w.string(1, value);
    else if (typeof value === 'boolean') w.bool(2, value);
    else if (Number.isSafeInteger(value)) w.int64(3, value);
    else w.double(4, value);
    w.end();
    w.end();
  }
}

// NumberDataPoint: 7 attributes, 2 start, 3 time, 4 as_double, 6 as_int.
function writeNumberPoint(w: ProtoWriter, field: number, p: NumberPoint): void {
  w.begin(field);
  writeAttributes(w, 7, p.attributes);
  w.fixed64(2, p.startTimeUnixNano);
  w.fixed64(3, p.timeUnixNano);
  if (p.isInt && Number.isSafeInteger(p.value)) w.sfixed64(6, p.value);
  else w.double(4, p.value);
  w.end();
}

// HistogramDataPoint: 9 attributes, 2 start, 3 time, 4 count, 5 sum, 6 bucket_counts,
// 7 explicit_bounds, 11 min, 12 max.
function writeHistogramPoint(w: ProtoWriter, field: number, p: HistogramPoint): void {
  w.begin(field);
  writeAttributes(w, 9, p.attributes);
  w.fixed64(2, p.startTimeUnixNano);
  w.fixed64(3, p.timeUnixNano);
  w.fixed64(4, BigInt(Number.isSafeInteger(p.count) && p.count > 0 ? p.count : 0));
  w.double(5, p.sum);
  w.packedFixed64(6, p.bucketCounts);
  w.packedDouble(7, p.explicitBounds);
  if (p.min !== undefined) w.double(11, p.min);
  if (p.max !== undefined) w.double(12, p.max);
  w.end();
}

// SummaryDataPoint: 7 attributes, 2 start, 3 time, 4 count, 5 sum, 6 quantile_values
// (ValueAtQuantile: 1 quantile, 2 value).
function writeSummaryPoint(w: ProtoWriter, field: number, p: SummaryPoint): void {
  w.begin(field);
  writeAttributes(w, 7, p.attributes);
  w.fixed64(2, p.startTimeUnixNano);
  w.fixed64(3, p.timeUnixNano);
  w.fixed64(4, BigInt(Number.isSafeInteger(p.count) && p.count > 0 ? p.count : 0));
  w.double(5, p.sum);
  for (const q of p.quantiles) {
    w.begin(6);
    w.double(1, q.quantile);
    w.double(2, q.value);
    w.end();
  }
  w.end();
}

// Metric: 1 name, 2 description, 3 unit, 5 gauge, 7 sum, 9 histogram, 11 summary.
// Sum: 1 points, 2 temporality, 3 is_monotonic. Histogram: 1 points, 2 temporality.
function writeMetric(w: ProtoWriter, m: Metric): void {
  w.begin(2);
  w.string(1, m.name);
  if (m.description !== '') w.string(2, m.description);
  if (m.unit !== '') w.string(3, m.unit);
  if (m.kind === 'gauge') {
    w.begin(5);
    for (const p of m.points) writeNumberPoint(w, 1, p);
    w.end();
  } else if (m.kind === 'sum') {
    w.begin(7);
    for (const p of m.points) writeNumberPoint(w, 1, p);
    w.uint(2, TEMPORALITY_CUMULATIVE);
    if (m.monotonic) w.bool(3, true);
    w.end();
  } else if (m.kind === 'histogram') {
    w.begin(9);
    for (const p of m.points) writeHistogramPoint(w, 1, p);
    w.uint(2, TEMPORALITY_CUMULATIVE);
    w.end();
  } else {
    w.begin(11);
    for (const p of m.points) writeSummaryPoint(w, 1, p);
    w.end();
  }
  w.end();
}

/**
 * ExportMetricsServiceRequest: 1 resource_metrics. ResourceMetrics: 1 resource (Resource:
 * 1 attributes), 2 scope_metrics. ScopeMetrics: 1 scope (1 name, 2 version), 2 metrics.
 */
export function encodeProtobufRequest(resources: readonly ResourceMetrics[]): Uint8Array {
  const w = new ProtoWriter();
  for (const rm of resources) {
    w.begin(1);
    w.begin(1);
    writeAttributes(w, 1, rm.resource);
    w.end();
    for (const sm of rm.scopeMetrics) {
      w.begin(2);
      w.begin(1);
      w.string(1, sm.scope.name);
      if (sm.scope.version !== '') w.string(2, sm.scope.version);
      w.end();
      for (const m of sm.metrics) writeMetric(w, m);
      w.end();
    }
    w.end();
  }
  return w.finish();
}

/** A bounds-checked protobuf reader: just enough for the collector's response. */
class ProtoReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly end = buf.length) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('varint longer than ten bytes');
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (len > this.end - this.pos) throw new Error('length beyond the message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.advance(8);
    else if (wire === LEN) this.bytes();
    else if (wire === 5) this.advance(4);
    else throw new Error(`unsupported wire type ${wire}`);
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new Error('truncated field');
    this.pos += n;
  }
}

/**
 * ExportMetricsServiceResponse: 1 partial_success (1 rejected_data_points int64, 2
 * error_message). Undefined when the collector accepted everything (or sent nothing).
 * Throws on a malformed body.
 */
export function decodeProtobufResponse(body: Uint8Array): PartialSuccess | undefined {
  const r = new ProtoReader(body);
  let found: PartialSuccess | undefined;
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >>> 3, wire = key & 7;
    if (field === 1 && wire === LEN) {
      const inner = r.bytes();
      const pr = new ProtoReader(inner);
      const ps: PartialSuccess = { rejectedDataPoints: 0, errorMessage: '' };
      while (!pr.done) {
        const k = Number(pr.varint());
        if (k >>> 3 === 1 && (k & 7) === VARINT) ps.rejectedDataPoints = Number(BigInt.asIntN(64, pr.varint()));
        else if (k >>> 3 === 2 && (k & 7) === LEN) ps.errorMessage = new TextDecoder().decode(pr.bytes());
        else pr.skip(k & 7);
      }
      found = ps;
    } else {
      r.skip(wire);
    }
  }
  return found !== undefined && (found.rejectedDataPoints !== 0 || found.errorMessage !== '') ? found : undefined;
}
