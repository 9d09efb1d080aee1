/**
 * Opens an analysis HTML report in headless Chromium (Debian's `chromium`, started with the
 * flags that keep it off the network) and reads back what rendered: each chart's echarts
 * instance and canvas size, console errors and page errors, and every request the page made.
 */
import { existsSync } from 'node:fs';
import { type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface RenderedChart {
  readonly id: string;
  readonly instance: boolean;
  readonly width: number;
  readonly height: number;
}

export interface RenderedReport {
  readonly charts: readonly RenderedChart[];
  /** Console errors and uncaught page errors. */
  readonly problems: readonly string[];
  /** URLs the page requested (a self-contained report requests only its own file). */
  readonly requests: readonly string[];
}

/**
 * Renders `file` and returns what it showed; `inspect` runs on the open page (extra checks,
 * a screenshot) before the browser closes.
 */
export async function renderReport(
  file: string,
  inspect?: (page: Page) => Promise<void>,
): Promise<RenderedReport> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install --no-install-recommends chromium; .ci/run does it)`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    // Page code as strings: the tests are type-checked without the DOM library.
    await page.waitForFunction('Array.isArray(window.__reportCharts)');
    const charts = await page.evaluate<RenderedChart[]>(`window.__reportCharts.map((id) => {
      const el = document.getElementById(id);
      const canvas = el.querySelector('canvas');
      const box = canvas ? canvas.getBoundingClientRect() : { width: 0, height: 0 };
      return { id, instance: echarts.getInstanceByDom(el) !== undefined, width: box.width, height: box.height };
    })`);
    await inspect?.(page);
    return { charts, problems, requests };
  } finally {
    await browser.close();
  }
}
