/**
 * The dashboard page: a header with the connection state and host totals, then either the
 * process table (#/) or one process (#/process/<pid>). Data comes from the push channel
 * (live.ts); the detail view fetches its process once per sample.
 */
import type { AppsBody, ProcessesBody } from './api.js';
import { renderApps } from './apps.js';
import { DetailView } from './detail.js';
import { clear, h, setText } from './dom.js';
import { connectLive, fetchJson, type ConnectionState } from './live.js';
import { ProcessTable } from './table.js';
import { onThemeChange } from './theme.js';

const statusDot = h('span', { class: 'dot', 'aria-hidden': 'true' });
const statusText = h('span', { id: 'connection' }, 'connecting');
const totals = h('span', { class: 'totals', id: 'totals' });
const search = h('input', { type: 'search', placeholder: 'Filter by pid, app, command, state', 'aria-label': 'Filter processes', id: 'process-filter' });
const main = h('main', { id: 'main' });
document.body.append(
  h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, 'perfmem'),
    totals,
    h('span', { class: 'status' }, statusDot, statusText)),
  main);

const table = new ProcessTable((pid) => {
  location.hash = `#/process/${pid}`;
});
search.addEventListener('input', () => table.setFilter(search.value));
const appsBox = h('div', { class: 'apps', id: 'apps' });
const hostView = h('div', { class: 'host' },
  h('div', { class: 'toolbar' }, search),
  table.element,
  h('section', { class: 'panel' }, h('h2', null, 'App metrics'), appsBox));

let latest: ProcessesBody | null = null;
let detail: DetailView | null = null;
let lastAppsFetch = 0;

function route(): void {
  const m = /^#\/process\/(\d+)$/.exec(location.hash);
  detail?.close();
  detail = null;
  clear(main);
  if (m) {
    const pid = Number(m[1]);
    const known = latest?.processes.find((p) => p.pid === pid);
    detail = new DetailView(pid, known?.runtime ?? 'node');
    main.append(detail.element);
    document.title = `${pid} · perfmem`;
    detail.refresh();
  } else {
    main.append(hostView);
    document.title = 'perfmem';
    refreshApps(true);
  }
}

function refreshApps(force: boolean): void {
  if (detail || (!force && Date.now() - lastAppsFetch < 5000)) return;
  lastAppsFetch = Date.now();
  fetchJson<AppsBody>('/api/apps').then((a) => renderApps(appsBox, a), () => undefined);
}

function onSample(body: ProcessesBody): void {
  // A restarted server starts its sequence again: take its numbers as they come.
  latest = body;
  const counts = { running: 0, blocked: 0, stale: 0, gone: 0 } as Record<string, number>;
  for (const p of body.processes) counts[p.state] = (counts[p.state] ?? 0) + 1;
  setText(totals, `${body.processes.length} processes · ${counts.running} running${counts.blocked ? ` · ${counts.blocked} blocked` : ''}${counts.stale ? ` · ${counts.stale} stale` : ''}${counts.gone ? ` · ${counts.gone} gone` : ''}`);
  totals.classList.toggle('alert', (counts.blocked ?? 0) > 0);
  table.update(body.processes, body.seq);
  if (detail) {
    // Open with the runtime's charts once the process is known (a deep link before the first sample).
    const p = body.processes.find((x) => x.pid === detail!.pid);
    if (p && p.runtime !== detail.runtime) route();
    else detail.refresh();
  } else refreshApps(false);
}

function onState(state: ConnectionState): void {
  const words: Record<ConnectionState, string> = { connecting: 'connecting…', live: 'live', down: 'server unreachable, retrying…' };
  setText(statusText, words[state]);
  statusDot.className = `dot ${state}`;
  document.body.setAttribute('data-connection', state);
}

window.addEventListener('hashchange', route);
onThemeChange(route);
route();
connectLive({ onSample, onState });
