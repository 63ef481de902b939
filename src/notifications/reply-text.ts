/** The line our mails put above the quoted notification when a pack accepts replies. */
export const REPLY_MARKER = '##- Répondez au-dessus de cette ligne / Reply above this line -##';

/** Lines that open the quoted original in common mail clients (French and English). */
const QUOTE_HEADERS = [
  /^\s*-{2,}\s*(original message|message d'origine|message original|mail original|courriel original)\s*-{2,}\s*$/i,
  /^\s*_{8,}\s*$/,
  /^\s*-{5,}\s*(forwarded message|message transféré)/i,
];
const WROTE = /^\s*(le|on)\b.*\b(a écrit|wrote)\s*:?\s*$/i;
const HEADER_BLOCK_START = /^\s*\**(de|from)\s*:\**\s+\S/i;
const HEADER_BLOCK_NEXT = /^\s*\**(envoyé|sent|date|à|to|objet|subject|cc)\s*:/i;

/**
 * The new text of a reply: what the person wrote above the quoted notification. Cuts at our
 * marker, at the "On … wrote:" / "Le … a écrit :" line (also when wrapped over two lines), at
 * Outlook's and Zimbra's separators or header blocks, and at a `-- ` signature; drops remaining
 * `>` lines.
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const joined = `${line} ${lines[i + 1] ?? ''}`;
    if (
      line.includes('##-') ||
      QUOTE_HEADERS.some((re) => re.test(line)) ||
      WROTE.test(line) ||
      (/^\s*(le|on)\b/i.test(line) && !WROTE.test(line) && WROTE.test(joined) && line.length > 8) ||
      (HEADER_BLOCK_START.test(line) && lines.slice(i + 1, i + 4).some((l) => HEADER_BLOCK_NEXT.test(l))) ||
      /^-- ?$/.test(line)
    ) {
      end = i;
      break;
    }
  }
  return lines
    .slice(0, end)
    .filter((line) => !/^\s*>/.test(line))
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export { storableText } from '../common/input-check.js';
