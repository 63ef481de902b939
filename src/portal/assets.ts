import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { UPLOAD_LIMIT_BYTES } from '../api/tickets.controller.js';

/** Where the DSFR's built files are (`node_modules/@gouvfr/dsfr/dist`). */
export function dsfrDist(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@gouvfr/dsfr/package.json')), 'dist');
}

/** The portal's own script and style sheet. */
export function portalAssetsDir(): string {
  const here = join(import.meta.dirname, 'assets');
  return here.includes(`${join('dist', 'src')}`) ? join(import.meta.dirname, '..', '..', '..', 'src', 'portal', 'assets') : here;
}

/** What the upload middleware could not take: the controller reports it as a field error. */
export interface PortalUploadRequest extends Request {
  uploadError?: 'fileSize' | 'fileCount';
}

/** Most files one portal form may carry (the pack's own `maxFiles` is checked by the page). */
const FORM_MAX_FILES = 50;

/**
 * Static files (DSFR from its package, never a CDN; the portal's script and styles) and the
 * multipart parser of portal forms. The parser runs before the session guard so that the CSRF
 * token of a form with files is read like any other field; API routes keep their own.
 */
export function mountPortal(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useStaticAssets(dsfrDist(), { prefix: '/assets/dsfr/', maxAge: '7d', fallthrough: true, index: false });
  express.useStaticAssets(portalAssetsDir(), { prefix: '/assets/portal/', maxAge: '1h', fallthrough: true, index: false });
  const parse = multer({ storage: multer.memoryStorage(), limits: { fileSize: UPLOAD_LIMIT_BYTES, files: FORM_MAX_FILES } }).any();
  app.use((req: PortalUploadRequest, res: Response, next: NextFunction) => {
    const multipart = req.method === 'POST' && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    if (!multipart || req.path.startsWith('/api/')) return next();
    parse(req, res, (error?: unknown) => {
      if (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'LIMIT_FILE_SIZE' && code !== 'LIMIT_FILE_COUNT') return next(error);
        req.uploadError = code === 'LIMIT_FILE_SIZE' ? 'fileSize' : 'fileCount';
        req.files = [];
      }
      next();
    });
  });
}
