import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Core } from '../core.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(Core) private readonly core: Core) {}

  /** 200 when the database answers, 503 otherwise. */
  @Get()
  async health(@Res() res: Response): Promise<void> {
    try {
      await Promise.race([
        this.core.deps.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 2000).unref()),
      ]);
      res.status(HttpStatus.OK).json({ status: 'ok' });
    } catch {
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable' });
    }
  }
}
