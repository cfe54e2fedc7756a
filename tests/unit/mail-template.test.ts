import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMail } from '../../app/utils/mail-template';

describe('renderMail', () => {
  const mail = renderMail({
    preheader: 'Your request',
    heading: 'Hello <Ada>',
    paragraphs: ['Line "one" & more', 'Line two'],
    action: { label: 'Open', url: 'https://example.org/s/x?a=1&b=2' },
    footer: ['Sent by the Privacy Portal'],
  });

  it('writes a plain-text part that reads on its own', () => {
    expect(mail.text).toBe(
      'Hello <Ada>\n\nLine "one" & more\n\nLine two\n\nOpen: https://example.org/s/x?a=1&b=2\n\n--\nSent by the Privacy Portal\n',
    );
  });

  it('escapes every value in the HTML part', () => {
    expect(mail.html).toContain('<h1 style="font-size:20px;margin:0 0 16px">Hello &lt;Ada&gt;</h1>');
    expect(mail.html).toContain('Line &quot;one&quot; &amp; more');
    expect(mail.html).toContain('href="https://example.org/s/x?a=1&amp;b=2"');
    expect(mail.html).not.toContain('<Ada>');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
