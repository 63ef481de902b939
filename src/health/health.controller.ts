import { DatabaseHealth } from '../database/database-health.js';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** 200 when the database answers, 503 otherwise. */
  @Get()
  async health(@Res() res: Response): Promise<void> {
    try {
      await this.database.ping();
      res.status(HttpStatus.OK).json({ status: 'ok' });
    } catch {
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable' });
    }
  }
}
