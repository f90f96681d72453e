/**
 * The push channel: Server-Sent Events from /api/events, one `sample` event per monitor
 * sample. EventSource reconnects by itself after a dropped connection; when the server
 * answers with an error instead (or the source closes), this opens a new one with backoff, so
 * the page survives a restart of `perfmem serve`. Each (re)connection starts with a fresh
 * GET /api/processes so the table is right even before the next sample.
 */
import type { ProcessesBody } from './api.js';

export type ConnectionState = 'connecting' | 'live' | 'down';

export interface LiveOptions {
  onSample(body: ProcessesBody): void;
  onState(state: ConnectionState): void;
}

export function fetchJson<T>(url: string): Promise<T> {
  return fetch(url, { cache: 'no-store' }).then((r) => {
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json() as Promise<T>;
  });
}

export function connectLive(opts: LiveOptions): { close(): void } {
  let source: EventSource | null = null;
  let retryMs = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const snapshot = () => {
    fetchJson<ProcessesBody>('/api/processes').then(opts.onSample, () => {
      /* the event stream reports the outage */
    });
  };

  const open = () => {
    if (closed) return;
    opts.onState('connecting');
    const es = new EventSource('/api/events');
    source = es;
    es.addEventListener('open', () => {
      retryMs = 500;
      opts.onState('live');
      snapshot();
    });
    es.addEventListener('sample', (ev) => {
      try {
        opts.onSample(JSON.parse((ev as MessageEvent<string>).data) as ProcessesBody);
      } catch {
        /* a malformed event: wait for the next one */
      }
    });
    es.addEventListener('error', () => {
      opts.onState(es.readyState === EventSource.CLOSED ? 'down' : 'connecting');
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      }
    });
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
