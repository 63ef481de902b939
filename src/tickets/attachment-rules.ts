import type { FieldErrors } from '../common/errors.js';
import { formatSize } from '../common/units.js';
import type { RequestContext } from '../tenancy/request-context.js';

/** Deployment-wide ceiling on any one file, below the packs' own limits (`GUICHET_UPLOAD_LIMIT`, bytes). */
export const UPLOAD_LIMIT_BYTES = Number(process.env.GUICHET_UPLOAD_LIMIT ?? 256 * 1024 * 1024);

/** A file already in storage, waiting to be recorded on a ticket. */
export interface StoredFile {
  fileName: string;
  mimeType: string;
  size: number;
  key: string;
  sha256: string;
}

/** The pack's limits on one file and on a ticket's files, as uploads are read and answered. */
export interface AttachmentLimits {
  maxFileBytes: number;
  /** `maxFileBytes` in the caller's language ("1 Mo", "1 MB"). */
  maxFileLabel: string;
  /** Files one ticket may hold. */
  maxFiles: number;
}

export function attachmentLimits(ctx: RequestContext): AttachmentLimits {
  const maxFileBytes = Math.min(ctx.tenant.maxAttachmentBytes, UPLOAD_LIMIT_BYTES);
  return { maxFileBytes, maxFileLabel: formatSize(maxFileBytes, ctx.locale), maxFiles: ctx.tenant.config.attachments.maxFiles };
}

/** Size and type of stored files against the pack (the reader already stopped at the size limit). */
export function checkStoredFiles(ctx: RequestContext, files: StoredFile[], field: string, errors: FieldErrors): void {
  const limits = attachmentLimits(ctx);
  const accept = ctx.tenant.config.attachments.accept;
  if (!files.length) errors.add(field, 'rule.required');
  else if (files.some((f) => f.size > limits.maxFileBytes)) errors.add(field, 'rule.fileSize', { max: limits.maxFileLabel });
  else if (accept && files.some((f) => !accept.some((a) => matchesType(f.mimeType, f.fileName, a)))) errors.add(field, 'rule.fileType');
}

/** A name safe to keep and to send back in Content-Disposition: no path, no control characters. */
export function sanitizeFileName(name: string): string {
  const base = (name || 'file').replace(/[\\/]/g, '_').replace(/\p{Cc}/gu, '').trim();
  return base.slice(-200) || 'file';
}

function matchesType(mime: string, fileName: string, accept: string): boolean {
  if (accept.startsWith('.')) return fileName.toLowerCase().endsWith(accept.toLowerCase());
  if (accept.endsWith('/*')) return mime.startsWith(accept.slice(0, -1));
  return mime === accept;
}
