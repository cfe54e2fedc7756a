/**
 * One layout for every email: a plain-text part that reads well on its own and an HTML part
 * with the same words, every value escaped.
 */
export type MailContent = {
  preheader?: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  footer?: string[];
  /** The language of the words (html lang); English when not given. */
  lang?: string;
  /** The line under the button, in the mail's language. */
  buttonFallback?: string;
};

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderMail(content: MailContent): { text: string; html: string } {
  const { heading, paragraphs, action, footer = [], preheader, lang = 'en' } = content;
  const fallback = content.buttonFallback ?? 'If the button does not work, copy this address into your browser:';
  const text = [
    heading,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...(action ? [`${action.label}: ${action.url}`, ''] : []),
    ...(footer.length ? ['--', ...footer] : []),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');

  const p = (t: string) => `<p style="margin:0 0 16px">${escapeHtml(t)}</p>`;
  const html = `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(heading)}</title></head>
<body style="margin:0;padding:24px;background:#f3f4f6;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;line-height:1.5">
${preheader ? `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(preheader)}</div>` : ''}
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(heading)}</h1>
${paragraphs.map(p).join('\n')}
${
  action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#1d4ed8;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(action.label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#4b5563">${escapeHtml(fallback)} ${escapeHtml(action.url)}</p>`
    : ''
}
${footer.length ? `<hr style="border:0;border-top:1px solid #e5e7eb;margin:24px 0"><div style="font-size:13px;color:#4b5563">${footer.map(p).join('')}</div>` : ''}
</div></body></html>
`;
  return { text, html };
}
