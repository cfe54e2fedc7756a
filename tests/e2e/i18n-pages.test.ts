import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectAccessible, useBrowser } from './browser';
import { E2E_ORGANISATION } from './global-setup';
import { addSessionCookie, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';

/**
 * Every public page in every language, at a phone's size and a desktop's: axe-clean, in the
 * right language (<html lang>), naming the configured organisation and authority, with
 * nothing wider than the screen and every target at least 44 px. SCREENSHOTS=dir keeps a PNG
 * of each for a person to look at.
 */
const b = useBrowser();
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
const LANGS = ['en', 'de', 'fr'] as const;
const HEADINGS: Record<(typeof LANGS)[number], { home: string; form: string; registry: string; lookup: string }> = {
  en: { home: 'Your data, your rights', form: 'Make a request', registry: 'Subprocessors', lookup: 'Find your request' },
  de: { home: 'Ihre Daten, Ihre Rechte', form: 'Antrag stellen', registry: 'Unterauftragsverarbeiter', lookup: 'Ihre Anfrage finden' },
  fr: { home: 'Vos données, vos droits', form: 'Faire une demande', registry: 'Sous-traitants', lookup: 'Retrouver votre demande' },
};

async function mailTo(to: string) {
  const dir = path.join(inject('dataDir'), 'mail');
  const { simpleParser } = await import('mailparser');
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : []) {
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, file)));
      const recipient = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
      if (recipient === to) return parsed;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function check(page: Page, lang: string, shot: string) {
  await page.waitForLoadState('networkidle');
  const dir = process.env.SCREENSHOTS;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${shot}.png`) });
    await page.screenshot({ path: path.join(dir, `${shot}-full.png`), fullPage: true });
  }
  await expectAccessible(page);
  // Hydration failures and CSP refusals show up in the console; a 4xx answer the page expects does too.
  expect(
    b.consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e)),
    shot,
  ).toEqual([]);
  expect(await page.getAttribute('html', 'lang')).toBe(lang);
  const footer = await page.locator('footer').innerText();
  expect(footer).toContain(E2E_ORGANISATION.ORG_NAME);
  expect(footer).toContain(E2E_ORGANISATION.AUTHORITY_NAME);
  expect(footer).toContain(E2E_ORGANISATION.ORG_PRIVACY_EMAIL);
  // Nothing forces the page sideways on a phone.
  const wide = await page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    return [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el.getBoundingClientRect().right > limit + 1)
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${Math.round(el.getBoundingClientRect().right)}`);
  });
  expect(wide, shot).toEqual([]);
  // Every visible control a finger must hit is at least 44 x 44 px (links inside running text excepted).
  const small = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input:not([type=hidden]), select, summary, textarea')]
      .filter((el) => el.offsetParent !== null && !el.closest('.hp'))
      .map((el) => {
        const target = el.matches('input[type=radio], input[type=checkbox]') ? (el.closest('.radio, .checkbox > div') as HTMLElement) ?? el : el;
        const r = target.getBoundingClientRect();
        return { what: `${el.tagName.toLowerCase()}[name=${el.getAttribute('name') ?? ''}]`, w: Math.round(r.width), h: Math.round(r.height) };
      })
      .filter((t) => t.w < 44 || t.h < 44),
  );
  expect(small).toEqual([]);
}

describe.each(Object.entries(VIEWPORTS))('public pages at %s size', (size, viewport) => {
  it.each(LANGS)('in %s: home, request form (and its errors), confirmation, registry, a change, alerts, verification and status', async (lang) => {
    const { page } = b;
    await page.setViewportSize(viewport);
    const h = HEADINGS[lang];
    const name = (p: string) => `${size}-${lang}-${p}`;

    await page.goto(`/?lng=${lang}`);
    await page.getByRole('heading', { level: 1, name: h.home }).waitFor();
    await check(page, lang, name('home'));
    if (size === 'phone') {
      // The header is one row with a menu button; the menu opens without JavaScript's help.
      const header = await page.locator('header').boundingBox();
      expect(header!.height).toBeLessThan(80);
      await page.locator('summary').click();
      await expect(page.getByRole('navigation', { name: /Main|Hauptnavigation|Navigation principale/ }).isVisible()).resolves.toBe(true);
    }

    await page.goto('/requests/new');
    await page.getByRole('heading', { level: 1, name: h.form }).waitFor();
    await check(page, lang, name('form'));
    await page.locator('button[type=submit]').last().click();
    await page.locator('.error-summary').waitFor();
    expect(await page.title()).toMatch(/^(Error|Fehler|Erreur)/);
    await check(page, lang, name('form-errors'));

    await page.goto('/requests/sent');
    await check(page, lang, name('sent'));

    await page.goto('/subprocessors');
    await page.getByRole('heading', { level: 1, name: h.registry }).waitFor();
    await check(page, lang, name('registry'));
    const change = await page.locator('a[href^="/subprocessors/changes/"]').first().getAttribute('href');
    await page.goto(change!);
    await check(page, lang, name('change'));

    await page.goto('/subprocessors/subscribe');
    await check(page, lang, name('subscribe'));

    await page.goto('/status');
    await page.getByRole('heading', { level: 1, name: h.lookup }).waitFor();
    await check(page, lang, name('lost-link'));
  });
});

describe('a request in German, in the browser', () => {
  it('files, confirms and shows the status page in German at phone size', async () => {
    const { page } = b;
    await page.setViewportSize(VIEWPORTS.phone);
    await page.context().setExtraHTTPHeaders({ 'Accept-Language': 'de-DE,de;q=0.9' });
    const email = `de.${Date.now()}@example.org`;
    await page.goto('/requests/new');
    await page.getByLabel('Auskunft (Art. 15)').check();
    await page.getByLabel('E-Mail-Adresse', { exact: true }).fill(email);
    await page.getByLabel('Vollständiger Name').fill('Jana Beispiel');
    await page.getByLabel('Für mich selbst').check();
    await page.getByLabel('CSV (Tabelle)').check();
    await page.getByLabel(/Ich bestätige/).check();
    await page.getByRole('button', { name: 'Antrag senden' }).click();
    await page.getByRole('heading', { name: 'Prüfen Sie Ihre E-Mails' }).waitFor();

    const mail = await mailTo(email);
    expect(mail.subject).toMatch(/^Bestätigen Sie Ihren Antrag/);
    const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')![0];
    await page.goto(new URL(link).pathname);
    await check(page, 'de', 'phone-de-verify');
    await page.getByRole('button', { name: 'Antrag bestätigen' }).click();
    await page.getByRole('heading', { name: /^Antrag DSR-\d{4}-\d{6}$/ }).waitFor();
    await check(page, 'de', 'phone-de-status');
    await expect(page.getByText('Worum Sie gebeten haben').isVisible()).resolves.toBe(true);
    await expect(page.getByText('CSV (Tabelle)').isVisible()).resolves.toBe(true);
    expect(b.consoleErrors).toEqual([]);
  });
});

describe('account pages at phone size', () => {
  const SIGN_IN_FAILED = { en: 'The email address or password is not right', de: 'E-Mail-Adresse oder Passwort stimmen nicht', fr: 'L’adresse e-mail ou le mot de passe est incorrect' };
  const ACCOUNT = { en: 'Your account', de: 'Ihr Konto', fr: 'Votre compte' };
  const REQUESTS = { en: 'Your requests', de: 'Ihre Anträge', fr: 'Vos demandes' };

  it.each(LANGS)('in %s: sign-in (and a failed one), sign-up, forgot password, the account and its requests', async (lang) => {
    const { page } = b;
    await page.setViewportSize(VIEWPORTS.phone);
    for (const url of ['/login', '/signup', '/forgot-password']) {
      await page.goto(`${url}?lng=${lang}`);
      await check(page, lang, `phone-${lang}-${url.slice(1)}`);
    }

    const credentials = { email: uniqueEmail(`acct-${lang}`), password: uniquePassword() };
    await page.goto(`/login?lng=${lang}`);
    await page.locator('input[name=email]').fill(credentials.email);
    await page.locator('input[name=password]').fill('not the right password');
    await page.locator('button[type=submit]').last().click();
    await page.getByRole('alert').filter({ hasText: SIGN_IN_FAILED[lang] }).waitFor();
    await check(page, lang, `phone-${lang}-login-failed`);

    await addSessionCookie(page.context(), b.baseURL, await signUpOverHttp(b.baseURL, credentials));
    await page.goto(`/account?lng=${lang}`);
    await page.getByRole('heading', { level: 1, name: ACCOUNT[lang] }).waitFor();
    await check(page, lang, `phone-${lang}-account`);
    await page.goto('/account/requests');
    await page.getByRole('heading', { level: 1, name: REQUESTS[lang] }).waitFor();
    await check(page, lang, `phone-${lang}-account-requests`);
  });
});
