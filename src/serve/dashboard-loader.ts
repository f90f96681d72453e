/**
 * The web dashboard (src/serve/dashboard.ts, assets built by `npm run build:web`). Imported
 * statically: the CLI is bundled into CommonJS (scripts/bundle.mjs), where a computed dynamic
 * import becomes a require relative to the bundle and fails. Without built assets the handler
 * answers 503 saying so.
 */
import { serveDashboard } from './dashboard.js';
import type { DashboardHandler } from './server.js';

export async function loadDashboard(): Promise<DashboardHandler | undefined> {
  return serveDashboard;
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x: addresses no other host can reach. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address) || address === 'localhost';
}
