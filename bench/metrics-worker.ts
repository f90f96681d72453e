/**
 * A cluster worker for bench/metrics.bench.ts: 1,000 counter series in perfmem/metrics
 * (LIB=perfmem) or prom-client (LIB=prom-client, which answers AggregatorRegistry over IPC).
 * A 'block' message busy-loops it for BLOCK_MS.
 */
import { createRequire } from 'node:module';

const lib = process.env.LIB === 'prom-client'
  ? createRequire(import.meta.url)('prom-client') as typeof import('../src/metrics/index.js')
  : await import('../src/metrics/index.js');
// prom-client's workers answer the primary only once an AggregatorRegistry exists in them.
new lib.AggregatorRegistry();
const c = new lib.Counter({ name: 'requests_total', help: 'requests', labelNames: ['route', 'code'] });
for (let i = 0; i < 1000; i++) c.inc({ route: `/r/${i >> 2}`, code: String(200 + (i & 3)) }, i);
process.on('message', (m: string) => {
  if (m === 'block') {
    const until = Date.now() + Number(process.env.BLOCK_MS ?? '60000');
    while (Date.now() < until) { /* blocked */ }
  }
});
process.send!('ready');
