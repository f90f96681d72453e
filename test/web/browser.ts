/**
 * Test helper: headless Debian chromium driven by puppeteer-core (no browser download). Every
 * request the page makes is checked to stay on 127.0.0.1, and console errors are collected.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CANDIDATES = [process.env.PERFMEM_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The chromium binary, or undefined when none is installed (tests then skip and say so). */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
}

export const NO_CHROMIUM = 'chromium is not installed (apt-get install chromium; .ci/run installs it)';

export interface Session {
  browser: Browser;
  page: Page;
  /** Every URL the page requested that is not on 127.0.0.1 (each was aborted). */
  foreign: string[];
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(executablePath: string, viewport = { width: 1280, height: 800 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), 'perfmem-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-extensions', `--user-data-dir=${profile}`,
    ],
  });
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: colorScheme }]);
  const foreign: string[] = [];
  const errors: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || (url.hostname === '127.0.0.1' && (url.protocol === 'http:' || url.protocol === 'https:'))) {
      void req.continue();
    } else {
      foreign.push(req.url());
      void req.abort();
    }
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err instanceof Error ? err.message : String(err)}`));
  return {
    browser, page, foreign, errors,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Whether a canvas has pixels of more than one colour (a chart was drawn on it). */
export async function canvasDrawn(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    // Runs in the page (this tsconfig has no DOM types).
    type Canvas = { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const c = el as unknown as Canvas;
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return false;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    return false;
  });
}
