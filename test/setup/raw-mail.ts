/**
 * A raw RFC 822 message as a mail client would send it (CRLF line ends): plain UTF-8 text unless
 * the headers say otherwise (e.g. `Content-Transfer-Encoding: quoted-printable`).
 */
export function rawMail(headers: Record<string, string>, body: string): string {
  const lines = Object.entries({ 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': '8bit', Date: 'Mon, 2 Mar 2026 22:00:00 +0000', ...headers });
  return `${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
}
