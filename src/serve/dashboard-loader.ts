/**
 * The web dashboard is a separate module (src/serve/dashboard.ts, built by the web layer):
 * loaded when present, so the server answers 404 for pages when it is not built in.
 */
import type { DashboardHandler } from './server.js';

export async function loadDashboard(): Promise<DashboardHandler | undefined> {
  // A computed specifier: the module may not exist in this build.
  const specifier = './dashboard.js';
  try {
    const mod = (await import(specifier)) as { serveDashboard?: DashboardHandler };
    return typeof mod.serveDashboard === 'function' ? mod.serveDashboard : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x: addresses no other host can reach. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address) || address === 'localhost';
}
