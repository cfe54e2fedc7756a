import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_LIFETIME_DAYS } from '../../app/models/policy';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createSessionCookie, createUser, uniqueEmail, uniquePassword } from '../support/users';

/**
 * The account pages and account emails speak the visitor's language: pages by Accept-Language
 * (or the switcher), emails in the language of the page that caused them, each email ending
 * with the organisation's contact and supervisory authority. English stays the default.
 * The real server, a real database and a real SMTP conversation.
 */
let portal: TestPortal;
let smtp: TestSmtp;
const PUBLIC_URL = 'https://privacy.example.test';
const ORG = {
  ORG_NAME: 'Beispiel Datenwerk GmbH',
  ORG_ADDRESS: 'Musterweg 5, 80331 München, Deutschland',
  ORG_PRIVACY_EMAIL: 'datenschutz@datenwerk.example',
  AUTHORITY_NAME: 'Bayerisches Landesamt für Datenschutzaufsicht',
  AUTHORITY_ADDRESS: 'Promenade 18, 91522 Ansbach',
  AUTHORITY_URL: 'https://www.lda.bayern.de/',
};
const DE = { 'Accept-Language': 'de-DE,de;q=0.9,en;q=0.5' };
const FR = { 'Accept-Language': 'fr-FR,fr;q=0.9' };

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PUBLIC_URL, ...ORG });
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

const to = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');

async function mailTo(address: string, subject: string, timeoutMs = 20_000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.messages.find((m) => to(m) === address && m.subject === subject);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no "${subject}" to ${address} among ${smtp.messages.filter((m) => to(m) === address).map((m) => m.subject).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${portal.url}${path}`, { redirect: 'manual', headers });
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${portal.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });

/** The organisation's contact and authority close every account email, in its language. */
function expectOrganisationFooter(mail: ParsedMail, lang: 'de' | 'fr' | 'en') {
  const text = mail.text ?? '';
  expect(text).toContain(ORG.ORG_PRIVACY_EMAIL);
  expect(text).toContain(ORG.ORG_ADDRESS);
  expect(text).toContain(ORG.AUTHORITY_NAME);
  expect(mail.html || '').toContain(`<html lang="${lang}">`);
}

describe('account pages in German', () => {
  it('shows the sign-in, sign-up and forgot-password pages in German', async () => {
    const login = await (await get('/login', DE)).text();
    expect(login).toContain('<html lang="de"');
    expect(login).toContain('<title>Anmelden — Beispiel Datenwerk GmbH</title>');
    expect(login).toContain('Passwort vergessen?');
    expect(login).toContain('Noch kein Konto?');

    const signup = await (await get('/signup', DE)).text();
    expect(signup).toContain('<h1>Konto erstellen</h1>');
    expect(signup).toContain('Mindestens 12 Zeichen.');

    const forgot = await (await get('/forgot-password', DE)).text();
    expect(forgot).toContain('<html lang="de"');
    expect(forgot).toContain('<h1>Passwort zurücksetzen</h1>');
    expect(forgot).toContain('Link per E-Mail senden');
    expect(forgot).toContain('Zurück zur Anmeldung');
    expect(forgot).not.toContain('Email me a link');
  });

  it('answers a bad sign-in and bad sign-up fields in German', async () => {
    const user = await createUser(portal.db);
    const failed = await post('/login', { email: user.email, password: 'not the right password' }, DE);
    expect(failed.status).toBe(400);
    const html = await failed.text();
    expect(html).toContain('E-Mail-Adresse oder Passwort stimmen nicht, oder es gab zu viele Versuche.');
    expect(html).not.toContain('The email address or password is not right');

    const invalid = await post('/signup', { email: 'not-an-email', password: 'short' }, DE);
    expect(invalid.status).toBe(400);
    const page = await invalid.text();
    expect(page).toContain('Geben Sie eine E-Mail-Adresse wie name@example.org ein.');
    expect(page).toContain('Verwenden Sie mindestens 12 Zeichen.');

    const common = await post('/signup', { email: uniqueEmail(), password: 'qwerty123456' }, DE);
    expect(await common.text()).toContain('Dieses Passwort ist zu gebräuchlich.');
  });

  it('mails the password reset link in German when asked from a German page, and the change notice too', async () => {
    const user = await createUser(portal.db);
    const sent = await post('/forgot-password', { email: user.email }, DE);
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain(`Falls ein Konto die Adresse <strong>${user.email}</strong> verwendet`);

    const mail = await mailTo(user.email, 'Passwort zurücksetzen');
    expect(mail.text).toContain(`das Passwort des Kontos ${user.email} zurückzusetzen`);
    expect(mail.text).toContain('Der Link funktioniert einmal und ist 60 Minuten gültig.');
    expect(mail.text).toContain('Neues Passwort wählen: ');
    expect(mail.text).toContain('Falls Sie das nicht angefordert haben');
    expect(mail.text).toContain('Sie erhalten diese E-Mail, weil sie Ihr Konto im Datenschutzportal von Beispiel Datenwerk GmbH betrifft.');
    expectOrganisationFooter(mail, 'de');

    const link = new RegExp(`${PUBLIC_URL}/reset-password/([A-Za-z0-9_-]{43})`).exec(mail.text ?? '')![1]!;
    const page = await (await get(`/reset-password/${link}`, DE)).text();
    expect(page).toContain('<h1>Neues Passwort wählen</h1>');
    const tooShort = await post(`/reset-password/${link}`, { newPassword: 'kurz' }, DE);
    expect(await tooShort.text()).toContain('Verwenden Sie mindestens 12 Zeichen.');
    const reset = await post(`/reset-password/${link}`, { newPassword: uniquePassword() }, DE);
    expect(reset.status).toBe(302);

    const changed = await mailTo(user.email, 'Ihr Passwort wurde geändert');
    expect(changed.text).toContain('über einen Link zurückgesetzt, der an diese Adresse gesendet wurde');
    expectOrganisationFooter(changed, 'de');

    const gone = await get(`/reset-password/${link}`, DE);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('<h1>Dieser Link funktioniert nicht mehr</h1>');
  });

  it('confirms a German sign-up in German, and tells the owner of a taken address in German', async () => {
    const email = uniqueEmail('de');
    expect((await post('/signup', { email, password: uniquePassword() }, DE)).status).toBe(200);
    const confirm = await mailTo(email, 'Bestätigen Sie Ihre E-Mail-Adresse');
    expect(confirm.text).toContain(`ein Konto für ${email} erstellt`);
    expect(confirm.text).toContain('7 Tage gültig');
    expectOrganisationFooter(confirm, 'de');
    const token = /\/account\/confirm\/([A-Za-z0-9_-]{43})/.exec(confirm.text ?? '')![1]!;
    const page = await (await get(`/account/confirm/${token}`, DE)).text();
    expect(page).toContain(`Bestätigen Sie, dass <strong>${email}</strong> Ihre Adresse ist`);
    expect(page).toContain('Meine E-Mail-Adresse bestätigen');

    await post('/signup', { email, password: uniquePassword() }, DE);
    const notice = await mailTo(email, 'Jemand wollte mit Ihrer Adresse ein Konto erstellen');
    expect(notice.text).toContain(`Melden Sie sich unter ${PUBLIC_URL}/login an.`);
    expectOrganisationFooter(notice, 'de');
  });

  it('shows the account page and its requests in German', async () => {
    const user = await createUser(portal.db, { emailVerified: false });
    const cookie = await createSessionCookie(portal.db, user);
    const account = await (await get('/account', { ...DE, Cookie: cookie })).text();
    expect(account).toContain('<h1>Ihr Konto</h1>');
    expect(account).toContain('(noch nicht bestätigt)');
    expect(account).toContain('Betroffene Person');
    expect(account).toContain('Passwort ändern');
    expect(account).toContain('Überall abmelden');

    const wrong = await post('/account', { intent: 'change-password', currentPassword: 'wrong wrong wrong', newPassword: uniquePassword() }, { ...DE, Cookie: cookie });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Ihr aktuelles Passwort wurde nicht akzeptiert');

    const requests = await (await get('/account/requests', { ...DE, Cookie: cookie })).text();
    expect(requests).toContain('<h1>Ihre Anträge</h1>');
    expect(requests).toContain('Sie haben mit diesem Konto noch keine Anträge gestellt.');
  });
});

describe('account pages in French', () => {
  it('shows the forgot-password page and the account page in French', async () => {
    const forgot = await (await get('/forgot-password', FR)).text();
    expect(forgot).toContain('<html lang="fr"');
    expect(forgot).toContain('<h1>Réinitialiser votre mot de passe</h1>');
    expect(forgot).toContain('M’envoyer un lien');

    const user = await createUser(portal.db);
    const cookie = await createSessionCookie(portal.db, user);
    const account = await (await get('/account?lng=fr', { Cookie: cookie })).text();
    expect(account).toContain('<h1>Votre compte</h1>');
    expect(account).toContain('(adresse confirmée)');
    expect(account).toContain('Se déconnecter partout');
  });

  it('answers a bad sign-in in French', async () => {
    const failed = await post('/login', { email: uniqueEmail(), password: 'not the right password' }, FR);
    expect(failed.status).toBe(400);
    expect(await failed.text()).toContain('L’adresse e-mail ou le mot de passe est incorrect');
  });

  it('mails the password reset link in French when asked from a French page', async () => {
    const user = await createUser(portal.db);
    expect((await post('/forgot-password', { email: user.email }, FR)).status).toBe(200);
    const mail = await mailTo(user.email, 'Réinitialisez votre mot de passe');
    expect(mail.text).toContain(`réinitialiser le mot de passe du compte ${user.email}`);
    expect(mail.text).toContain('Ce lien ne fonctionne qu’une fois, pendant 60 minutes.');
    expect(mail.text).toContain('Vous recevez cet e-mail parce qu’il concerne votre compte sur le portail de Beispiel Datenwerk GmbH.');
    expectOrganisationFooter(mail, 'fr');
  });
});

describe('English stays the default', () => {
  it('mails the reset link in English to a visitor who names no language', async () => {
    const user = await createUser(portal.db);
    const page = await (await get('/forgot-password')).text();
    expect(page).toContain('<h1>Reset your password</h1>');
    await post('/forgot-password', { email: user.email });
    const mail = await mailTo(user.email, 'Reset your password');
    expect(mail.text).toContain('The link works once, for 60 minutes.');
    expectOrganisationFooter(mail, 'en');
  });
});

describe('the lost-link page (/status) in the visitor\'s language', () => {
  it('asks, refuses and answers in German and French, titled with the organisation', async () => {
    const de = await (await get('/status', DE)).text();
    expect(de).toContain('<title>Ihre Anfrage finden');
    expect(de).toContain(`noch ${LINK_LIFETIME_DAYS.statusLinkAfterClose} Tage nach ihrem Abschluss`);
    expect(de).not.toContain('Lost the link');
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${portal.url}/status`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
    const empty = await (await post('email=', DE)).text();
    expect(empty).toContain('Geben Sie Ihre E-Mail-Adresse ein.');
    expect(empty).not.toContain('Enter your email');
    const sent = await (await post(`email=${encodeURIComponent(uniqueEmail('lost'))}`, FR)).text();
    expect(sent).toContain('nous avons envoyé un nouveau lien privé');
  });
});

describe('a status link that does not work', () => {
  it('says so in the visitor\'s language, with the way to a fresh link', async () => {
    const res = await get(`/status/s/${'x'.repeat(43)}`, DE);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('Dieser Link funktioniert nicht');
    expect(html).toContain('href="/status">Neuen Link per E-Mail anfordern</a>');
    expect(html).not.toContain('This link does not work');
  });
});
