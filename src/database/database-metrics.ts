import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from '../observability/metrics.js';

/** node-postgres's pool counters (absent with the embedded database's adapter). */
interface PoolCounters {
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
}

/** The connection pool seen from Prometheus: connections open, in use, and queries waiting for one. */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const pool = () => (this.dataSource.driver as unknown as { master?: PoolCounters }).master;
    this.metrics.gauge('guichet_db_pool_connections', 'Connections of the pool, by state (open, in use, idle)', ['state'], async () => {
      const p = pool();
      if (typeof p?.totalCount !== 'number') return [];
      return [
        { labels: { state: 'open' }, value: p.totalCount },
        { labels: { state: 'idle' }, value: p.idleCount ?? 0 },
        { labels: { state: 'in_use' }, value: p.totalCount - (p.idleCount ?? 0) },
      ];
    });
    this.metrics.gauge('guichet_db_pool_waiting', 'Queries waiting for a connection of the pool', [], async () => {
      const p = pool();
      return typeof p?.waitingCount === 'number' ? [{ value: p.waitingCount }] : [];
    });
  }
}
