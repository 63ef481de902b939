import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether the database answers, within a bound. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  async ping(timeoutMs = 2000): Promise<void> {
    await within(this.dataSource.query('SELECT 1'), timeoutMs, 'database timeout');
  }

  /** Whether a migration of this build (core or plugin) has not been applied to the database. */
  async migrationsPending(timeoutMs = 2000): Promise<boolean> {
    return within(this.dataSource.showMigrations(), timeoutMs, 'database timeout');
  }
}

function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);
}
