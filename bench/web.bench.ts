/**
 * The dashboard's cost in the browser: CPU of headless chromium (all its processes; the page's main thread: script,
 * style, layout, paint) while the fake API (test/web/fake-api.ts) pushes 100 processes at 1 Hz.
 * Baseline: a bare page that only receives the same event stream and parses its JSON (the floor
 * for getting the data into a page at all). Skipped (value -1, noted) when chromium is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { benchMain, type Variant } from './harness.js';
import { FakeApi } from '../test/web/fake-api.js';
import { findChromium, openBrowser } from '../test/web/browser.js';

const WARMUP_MS = 8_000;
const WINDOW_MS = 30_000;
const TICK = Number(process.env.PERFMEM_CLK_TCK ?? 100);

/** CPU seconds (user + system) of a process and all its descendants (chromium's renderer, GPU and utility processes). */
function treeCpuSeconds(root: number): number {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICK);
    } catch {
      /* exited meanwhile */
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, seconds] of cpu) if (inTree(pid)) total += seconds;
  return total;
}

/** A bare page on the fake API's event stream that only parses each sample (the floor). */
const FLOOR_PAGE = `<!doctype html><title>floor</title><link rel="icon" href="data:,"><script>
let n = 0; const es = new EventSource('/api/events');
es.addEventListener('sample', (e) => { n += JSON.parse(e.data).processes.length; });
</script>`;

async function measure(processes: number, path: (api: FakeApi) => string, floor = false): Promise<{ mainThread: number; allProcesses: number }> {
  const chromium = findChromium();
  if (!chromium) return { mainThread: -1, allProcesses: -1 };
  const api = new FakeApi({ processes, intervalMs: 1000, pages: { '/bench/floor': FLOOR_PAGE } });
  const base = await api.start();
  const url = floor ? `${base}bench/floor` : `${base}${path(api)}`;
  const s = await openBrowser(chromium);
  try {
    const cdp = await s.page.createCDPSession();
    await cdp.send('Performance.enable');
    await s.page.goto(url);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const task = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
    const t0 = await task();
    const c0 = treeCpuSeconds(s.browser.process()!.pid!);
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const seconds = (performance.now() - w0) / 1000;
    const mainThread = ((await task()) - t0) / seconds;
    const allProcesses = (treeCpuSeconds(s.browser.process()!.pid!) - c0) / seconds;
    if (s.errors.length) throw new Error(`page errors: ${s.errors.join('; ')}`);
    return { mainThread: mainThread * 100, allProcesses: allProcesses * 100 };
  } finally {
    await s.close();
    await api.stop();
  }
}

function variant(processes: number, path: (api: FakeApi) => string, opts: { baseline?: boolean; floor?: boolean; what: string }): Variant {
  let note = '';
  return {
    baseline: opts.baseline,
    get note() {
      return note;
    },
    async run() {
      const r = await measure(processes, path, opts.floor);
      note = r.mainThread < 0 ? 'skipped: chromium not installed' : `${opts.what}; page main thread busy ${r.mainThread.toFixed(1)}% of the time`;
      return r.allProcesses;
    },
  };
}

await benchMain([
  {
    name: 'dashboard page CPU, 1 Hz samples',
    unit: '% of one core',
    description: `CPU time (user + system, from /proc) of headless chromium's whole process tree (browser, renderer, GPU/raster, network) over ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up, at 1280x800, the fake API pushing one sample a second; the note gives the page's main-thread busy time (CDP TaskDuration, wall clock: inflated when the machine is loaded).`,
    variants: {
      'SSE + JSON.parse only, 100 processes': variant(100, () => '', { baseline: true, floor: true, what: 'the floor: receive and parse' }),
      'table, 100 processes': variant(100, () => '', { what: 'process table with sparklines' }),
      'table, 10 processes': variant(10, () => '', { what: 'process table with sparklines' }),
      'detail view, 100 processes on the host': variant(100, (api) => `#/process/${[...api.processes.keys()][1]}`, { what: 'one process: charts, verdicts, counters' }),
    },
  },
]);
