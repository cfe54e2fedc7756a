import fs from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Inline, SummaryBlock, SummaryDocument } from '~/models/requests/package-summary.server';

/**
 * `summary.pdf`: the same document model as `summary.html` (buildSummary), laid out by pdfkit
 * on A4 for a subject who asked for a PDF. DejaVu fonts are embedded (subset), so every name a
 * subject may have typed in a Latin, Greek or Cyrillic script prints, and the text copies and
 * searches as Unicode.
 */

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  mono: 'dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;

let fonts: Record<FontName, Buffer> | undefined;
/** Read once per process: the three files are about 1.5 MB together. */
function loadFonts(): Record<FontName, Buffer> {
  fonts ??= Object.fromEntries(Object.entries(FONT_FILES).map(([name, file]) => [name, fs.readFileSync(require.resolve(file))])) as Record<FontName, Buffer>;
  return fonts;
}

const SIZE = { title: 18, heading: 13, body: 10, small: 8.5 };
const LINK_COLOUR = '#1d4ed8';
const TEXT_COLOUR = '#1a1a1a';

function drawParts(doc: PDFKit.PDFDocument, parts: Inline[], options: { x: number; width: number; size?: number }) {
  const visible = parts.filter((p) => p.text !== '');
  if (visible.length === 0) return;
  visible.forEach((part, i) => {
    const last = i === visible.length - 1;
    doc
      .font(part.code ? 'mono' : 'regular')
      .fontSize(part.code ? (options.size ?? SIZE.body) - 1 : (options.size ?? SIZE.body))
      .fillColor(part.href ? LINK_COLOUR : TEXT_COLOUR);
    const textOptions = { width: options.width, continued: !last, link: part.href ?? null, underline: Boolean(part.href) };
    if (i === 0) doc.text(part.text, options.x, doc.y, textOptions);
    else doc.text(part.text, textOptions);
  });
  doc.fillColor(TEXT_COLOUR);
}

function drawBlock(doc: PDFKit.PDFDocument, block: SummaryBlock) {
  const x = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  switch (block.kind) {
    case 'paragraph':
      drawParts(doc, block.parts, { x, width });
      doc.moveDown(0.6);
      return;
    case 'list':
      for (const item of block.items) {
        const y = doc.y;
        doc.font('regular').fontSize(SIZE.body).text('•', x + 4, y, { lineBreak: false });
        doc.y = y;
        drawParts(doc, item, { x: x + 16, width: width - 16 });
        doc.moveDown(0.25);
      }
      doc.moveDown(0.4);
      return;
    case 'table': {
      doc.x = x;
      doc.table({
        maxWidth: width,
        defaultStyle: { padding: 4, border: 0.5, borderColor: '#999999' },
        data: [
          block.columns.map((c) => ({ text: c, type: 'TH' as const, font: { src: 'bold', size: SIZE.small }, backgroundColor: '#eeeeee' })),
          ...block.rows.map((row) => row.map((cell) => ({ text: cell.text, font: { src: cell.code ? 'mono' : 'regular', size: SIZE.small } }))),
        ],
      });
      doc.x = x;
      doc.moveDown(0.8);
      return;
    }
    case 'definitions':
      for (const item of block.items) {
        doc.font('mono').fontSize(SIZE.body - 1).text(item.term, x, doc.y, { width });
        doc.font('regular').fontSize(SIZE.body).text(item.description, x + 16, doc.y, { width: width - 16 });
        doc.moveDown(0.4);
      }
      return;
  }
}

/** The summary as a PDF (A4), in the subject's language, with the document's language and title set for readers. */
export async function renderSummaryPdf(summary: SummaryDocument, options: { createdAt: Date }): Promise<Buffer> {
  const files = loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    lang: summary.lang,
    displayTitle: true,
    info: { Title: summary.title, CreationDate: options.createdAt, ModDate: options.createdAt },
    font: files.regular as unknown as string,
  });
  for (const [name, bytes] of Object.entries(files)) doc.registerFont(name, bytes);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.fillColor(TEXT_COLOUR).font('bold').fontSize(SIZE.title).text(summary.title);
  doc.moveDown(0.6);
  for (const block of summary.intro) drawBlock(doc, block);
  for (const section of summary.sections) {
    doc.moveDown(0.4);
    // Keep a heading with at least a few lines of what follows it.
    if (doc.y > doc.page.height - doc.page.margins.bottom - 80) doc.addPage();
    doc.font('bold').fontSize(SIZE.heading).fillColor(TEXT_COLOUR).text(section.heading, doc.page.margins.left, doc.y);
    doc.moveDown(0.4);
    for (const block of section.blocks) drawBlock(doc, block);
  }
  doc.end();
  return done;
}
