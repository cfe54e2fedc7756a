import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, expect, inject } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * One Chromium per test file, a fresh context per test. Each page is checked with axe-core
 * after every navigation it makes (fails on serious or critical violations) and for console
 * errors (a CSP violation or a hydration failure shows up there).
 */
export function useBrowser() {
  const state = {} as { browser: Browser; context: BrowserContext; page: Page; baseURL: string; consoleErrors: string[] };
  beforeAll(async () => {
    state.baseURL = inject('baseURL');
    state.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await state.browser?.close();
  });
  beforeEach(async () => {
    state.context = await state.browser.newContext({ baseURL: state.baseURL });
    state.page = await state.context.newPage();
    state.consoleErrors = [];
    state.page.on('console', (msg) => {
      if (msg.type() === 'error') state.consoleErrors.push(msg.text());
    });
    state.page.on('pageerror', (err) => state.consoleErrors.push(err.message));
  });
  afterEach(async () => {
    await state.context?.close();
  });
  return state;
}

/** Runs axe-core on the current page; fails on serious or critical violations. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

/** Navigates, waits for hydration to settle, and checks accessibility. */
export async function visit(page: Page, url: string) {
  const response = await page.goto(url);
  await page.waitForLoadState('networkidle');
  await expectAccessible(page);
  return response;
}
