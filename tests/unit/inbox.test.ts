import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlToSafeText, imapOptions, requestPrefillUrl } from '../../app/models/inbox/inbox.server';
import { loadConfig } from '../../app/utils/env.server';

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pp-inbox-env-'));

describe('privacy mailbox settings', () => {
  it('INBOX_IMAP_URL must be an imaps:// or imap:// URL; polling defaults to every minute', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), INBOX_IMAP_URL: 'https://mail.example/INBOX' })).toThrow(/^Invalid configuration: INBOX_IMAP_URL must be an imaps:\/\//);
    expect(() => loadConfig({ DATA_DIR: dataDir(), INBOX_POLL_SECONDS: '1' })).toThrow(/^Invalid configuration: INBOX_POLL_SECONDS/);
    const config = loadConfig({ DATA_DIR: dataDir(), INBOX_IMAP_URL: 'imaps://privacy%40example.org@mail.example:993/Privacy', INBOX_IMAP_PASSWORD: 'pw' });
    expect(config.inbox).toEqual({ imapUrl: 'imaps://privacy%40example.org@mail.example:993/Privacy', password: 'pw', pollSeconds: 60 });
    expect(loadConfig({ DATA_DIR: dataDir() }).inbox.imapUrl).toBeUndefined();
  });

  it('splits the URL for the IMAP client', () => {
    expect(imapOptions('imaps://privacy%40example.org@mail.example/Privacy', 'pw')).toEqual({
      host: 'mail.example', port: 993, secure: true, doSTARTTLS: undefined, auth: { user: 'privacy@example.org', pass: 'pw' }, mailbox: 'Privacy',
    });
    expect(imapOptions('imap://u@127.0.0.1:1143', 'pw')).toMatchObject({ port: 1143, secure: false, doSTARTTLS: false, mailbox: 'INBOX' });
  });
});

describe('htmlToSafeText', () => {
  it('keeps the words, drops scripts, styles, images and link targets', () => {
    const text = htmlToSafeText('<style>b{}</style><script>steal()</script><p>Hello <a href="https://t.example/x">here</a></p><img src="https://t.example/p.gif" alt="pixel">');
    expect(text).toBe('Hello here');
  });
});

describe('requestPrefillUrl', () => {
  it('carries the channel, the message date, sender and item id', () => {
    const url = requestPrefillUrl({ id: 'i-1', from_address: 'a+b@x.test', from_name: 'Zoë & Co', sent_at: new Date('2026-12-01T09:30:00Z'), received_at: new Date('2026-12-02T00:00:00Z') });
    expect(url).toBe('/staff/requests/new?channel=email&received_at=2026-12-01T09%3A30%3A00.000Z&email=a%2Bb%40x.test&name=Zo%C3%AB+%26+Co&inbox=i-1');
  });
});
