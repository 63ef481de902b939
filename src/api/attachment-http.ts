import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ValidationFailed } from '../common/errors.js';
import { inputProblems } from '../common/input-check.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { receiveForm, type FormRules, type ReceivedForm } from '../storage/multipart-form.js';
import { attachmentLimits } from '../tickets/attachment-rules.js';
import type { TicketActionsService } from '../tickets/ticket-actions.service.js';
import type { AttachmentRow } from '../tickets/ticket.repository.js';

const logger = new Logger('Attachments');

/**
 * Reads the upload of a route that takes files, once the caller is known: files go to the
 * tenant's storage as they arrive, within the pack's size limit and `maxFiles` per request.
 */
export async function readUpload(
  actions: TicketActionsService,
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  rules: Pick<FormRules, 'fileFields' | 'authorize'> & { maxFiles?: number },
): Promise<ReceivedForm> {
  const limits = attachmentLimits(ctx);
  const form = await receiveForm(req, res, actions.fileSink(ctx), { ...rules, maxFileBytes: limits.maxFileBytes, maxFileLabel: limits.maxFileLabel, maxFiles: rules.maxFiles ?? limits.maxFiles });
  // The guard's input rules (NUL, lone surrogates) for the fields it could not see: the route read them.
  const refused = inputProblems(form.fields);
  if (refused.length) {
    await actions.discard(ctx, form.files);
    throw new ValidationFailed(refused);
  }
  return form;
}

/** Streams an attachment; a storage error mid-way is logged and cuts the answer, never the process. */
export function sendAttachment(res: Response, download: { attachment: AttachmentRow; stream: Readable }): void {
  const { attachment, stream } = download;
  res.setHeader('Content-Type', attachment.content_type);
  res.setHeader('Content-Length', attachment.size_bytes);
  res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.file_name)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  pipeline(stream, res, (error) => {
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.error(`attachment ${attachment.id} (${attachment.storage_key}): reading failed mid-way: ${error.message}`);
    }
  });
}
