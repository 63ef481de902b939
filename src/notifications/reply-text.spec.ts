import { describe, expect, it } from '@jest/globals';
import { REPLY_MARKER, storableText, stripQuoted } from './reply-text.js';

describe('stripQuoted', () => {
  it('keeps what was written above our marker', () => {
    expect(stripQuoted(`Merci, c'est réglé.\n\n${REPLY_MARKER}\nVotre dossier I-000001…`)).toBe("Merci, c'est réglé.");
  });

  it('cuts at "Le … a écrit :", also wrapped over two lines (Gmail)', () => {
    expect(stripQuoted('Voici le numéro de série.\r\n\r\nLe lun. 2 mars 2026 à 10:00, Assistance <desk@example.org> a écrit :\r\n> Bonjour')).toBe('Voici le numéro de série.');
    expect(stripQuoted('Done.\n\nOn Mon, 2 Mar 2026 at 10:00, Desk <desk@example.org>\nwrote:\n> Hello')).toBe('Done.');
  });

  it("cuts at Outlook's header block and Zimbra's separator", () => {
    expect(stripQuoted('Oui.\n\nDe : Assistance <a@example.org>\nEnvoyé : lundi 2 mars 2026 10:00\nObjet : I-000001')).toBe('Oui.');
    expect(stripQuoted('OK\n\n----- Mail original -----\nDe: "Assistance"')).toBe('OK');
    expect(stripQuoted('OK\n________________________________\nFrom: Desk')).toBe('OK');
  });

  it('drops quoted lines and the signature', () => {
    expect(stripQuoted('> ancienne ligne\nNouvelle réponse\n> encore\n\n-- \nAlice Martin\nLycée')).toBe('Nouvelle réponse');
  });

  it('keeps a plain message whole, lines that merely start with "Le" included', () => {
    expect(stripQuoted('Le poste ne démarre plus.\nDepuis ce matin.')).toBe('Le poste ne démarre plus.\nDepuis ce matin.');
  });
});

describe('storableText', () => {
  it('removes NUL and other control characters, keeps tab, line breaks and everything printable', () => {
    expect(storableText('Num\u0000éro\u0007 AB\u001b-1\u007f\tok\r\nfin\n')).toBe('Numéro AB-1\tok\r\nfin\n');
    expect(storableText('\u0000\u0000')).toBe('');
    expect(storableText('Émoji 🎫 · « guillemets »')).toBe('Émoji 🎫 · « guillemets »');
  });
});
