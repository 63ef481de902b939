import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where the DSFR's built files are (`node_modules/@gouvfr/dsfr/dist`). */
export function dsfrDist(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@gouvfr/dsfr/package.json')), 'dist');
}

/** The portal's own script and style sheet. */
export function portalAssetsDir(): string {
  const here = join(import.meta.dirname, 'assets');
  return here.includes(`${join('dist', 'src')}`) ? join(import.meta.dirname, '..', '..', '..', 'src', 'portal', 'assets') : here;
}

/**
 * Static files: the DSFR from its package, never a CDN; the portal's script and styles. Forms with
 * files are not parsed here: only the routes that take files read them, after the session guard
 * (see `AcceptsFiles` and `readUpload`).
 */
export function mountPortal(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useStaticAssets(dsfrDist(), { prefix: '/assets/dsfr/', maxAge: '7d', fallthrough: true, index: false });
  express.useStaticAssets(portalAssetsDir(), { prefix: '/assets/portal/', maxAge: '1h', fallthrough: true, index: false });
}
