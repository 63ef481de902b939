import { existsSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import type { TenantPack } from '../tenancy/tenant-pack.js';

/**
 * The pack's colours on top of the DSFR: its "blue France" action colour is replaced by the
 * pack's primary colour (buttons, links, active tabs), hover and active shades derived from it;
 * the secondary colour marks the header's top edge. Colours too light for white text on them
 * are darkened until they reach a 4.5:1 contrast, so a theme cannot break accessibility.
 */
export function themeCss(pack: TenantPack): string {
  const colours = pack.config.theme.colours;
  if (!colours) return '/* no theme colours */\n';
  const primary = ensureContrast(colours.primary);
  const lines = [
    ':root, :root[data-fr-theme="light"] {',
    `  --blue-france-sun-113-625: ${primary};`,
    `  --blue-france-sun-113-625-hover: ${shade(primary, -0.18)};`,
    `  --blue-france-sun-113-625-active: ${shade(primary, -0.3)};`,
    `  --guichet-primary: ${primary};`,
    colours.secondary ? `  --guichet-secondary: ${colours.secondary};` : '',
    colours.accent ? `  --guichet-accent: ${colours.accent};` : '',
    '}',
    colours.secondary ? '.fr-header { border-top: 4px solid var(--guichet-secondary); }' : '',
  ];
  return lines.filter(Boolean).join('\n') + '\n';
}

/** The pack's logo file, looked up in its folders (the pack's own first, then its bases'). */
export function logoPath(pack: TenantPack): string | undefined {
  const logo = pack.config.theme.logo;
  if (!logo) return undefined;
  for (const dir of pack.searchDirs) {
    const root = resolve(dir);
    const file = resolve(root, logo);
    if ((file === root || file.startsWith(root + sep)) && existsSync(file)) return file;
  }
  return undefined;
}

export const LOGO_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif' };

export function logoType(file: string): string {
  return LOGO_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function toHex(rgb: number[]): string {
  return `#${rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('')}`;
}

/** Lighter (amount > 0) or darker (amount < 0). */
function shade(hex: string, amount: number): string {
  return toHex(channels(hex).map((c) => (amount < 0 ? c * (1 + amount) : c + (255 - c) * amount)));
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast of white text on `hex`. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

function ensureContrast(hex: string): string {
  let colour = hex.toLowerCase();
  for (let i = 0; i < 20 && contrastWithWhite(colour) < 4.5; i++) colour = shade(colour, -0.1);
  return colour;
}

