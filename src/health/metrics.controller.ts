import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Metrics } from '../observability/metrics.js';

/**
 * Prometheus metrics on the main port, for a scraper holding GUICHET_METRICS_TOKEN (a bearer
 * token). Without a token the route does not exist here (404): metrics are then served only on
 * GUICHET_METRICS_PORT, if set, which a deployment keeps off the public network.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.metrics?.token;
    if (!token) throw new DomainError('NOT_FOUND');
    const sent = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!sameSecret(sent, token)) throw new DomainError('UNAUTHENTICATED');
    const { contentType, body } = await this.metrics.render();
    res.status(200).type(contentType).send(body);
  }
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
