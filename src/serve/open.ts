/**
 * `perfmem serve --open`: print the dashboard's URL and open it in a browser, but only where
 * one is configured: $BROWSER (the convention of xdg-utils, Python's webbrowser, git), or
 * xdg-open on a desktop session (DISPLAY or WAYLAND_DISPLAY set). On a server with neither,
 * printing the URL is all it does: never guess, never start a browser nobody will see.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The address a local browser should use: a wildcard listen address is reached over loopback. */
export function dashboardUrl(address: { address: string; family: string; port: number }, tls = false): string {
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const shown = address.family === 'IPv6' || host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shown}:${address.port}/`;
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * The command that would open `url`: the first entry of $BROWSER (entries separated by ':';
 * `%s` stands for the URL, else the URL is the last argument), else xdg-open with a display.
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv = process.env): { file: string; args: string[] } | undefined {
  const configured = (env.BROWSER ?? '').split(':').map((s) => s.trim()).find((s) => s !== '');
  if (configured) {
    const words = configured.split(/\s+/);
    const hasPlaceholder = words.some((w) => w.includes('%s'));
    const args = words.slice(1).map((w) => w.replaceAll('%s', url));
    if (!hasPlaceholder) args.push(url);
    return { file: words[0]!.replaceAll('%s', url), args };
  }
  if (env.DISPLAY || env.WAYLAND_DISPLAY) {
    const xdg = onPath('xdg-open', env);
    if (xdg) return { file: xdg, args: [url] };
  }
  return undefined;
}

export interface OpenResult {
  url: string;
  /** The browser command started, when one was configured. */
  opened?: string;
  /** Why nothing was opened. */
  reason?: string;
}

/**
 * Starts the configured browser on `url`, detached (it outlives neither perfmem's output nor
 * its exit code: a failing browser is reported, not fatal). Resolves once the browser was
 * spawned or failed to start.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenResult> {
  const cmd = browserCommand(url, env);
  if (!cmd) return Promise.resolve({ url, reason: 'no browser configured (set $BROWSER, or run on a desktop session)' });
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, { detached: true, stdio: 'ignore', env });
    child.once('error', (err: NodeJS.ErrnoException) => resolve({ url, reason: `cannot start ${cmd.file}: ${err.code ?? err.message}` }));
    child.once('spawn', () => {
      child.unref();
      resolve({ url, opened: cmd.file });
    });
  });
}

/**
 * What `perfmem serve` does for the dashboard once it listens: one line with the URL (or a
 * JSON object with --json) on `write`, then, with --open, the browser where one is configured.
 */
export async function announceDashboard(url: string, options: { open: boolean; json: boolean }, write: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<OpenResult> {
  const result: OpenResult = options.open ? await openInBrowser(url, env) : { url };
  if (options.json) write(JSON.stringify({ dashboard: url, ...(options.open ? { opened: result.opened ?? null, reason: result.reason } : {}) }));
  else {
    let line = `perfmem serve: dashboard at ${url}`;
    if (options.open) line += result.opened ? ` (opened with ${result.opened})` : ` (not opened: ${result.reason})`;
    write(line);
  }
  return result;
}
