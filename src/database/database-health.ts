import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether the database answers, within a bound. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  async ping(timeoutMs = 2000): Promise<void> {
    await Promise.race([
      this.dataSource.query('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), timeoutMs).unref()),
    ]);
  }
}
