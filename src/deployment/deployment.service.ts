import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { migrate } from '../database/data-source.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { DemoSeeder } from './demo-seeder.js';
import { PackSync } from './pack-sync.js';

/** What a deployment does before serving: the schema migrated, every pack synced, demo data seeded where asked. */
@Injectable()
export class Deployment {
  constructor(
    private readonly dataSource: DataSource,
    private readonly contexts: TenantContexts,
    private readonly packSync: PackSync,
    private readonly seeder: DemoSeeder,
  ) {}

  migrate(): Promise<string[]> {
    return migrate(this.dataSource);
  }

  /** Syncs every pack into the database; seeds demo data where asked and the tenant is empty. */
  async syncAll(options: { seed?: boolean } = {}): Promise<void> {
    for (const ctx of this.contexts.all()) {
      await this.packSync.sync(ctx);
      if (options.seed) await this.seeder.seed(ctx);
    }
  }

  /** Whether `prepare` finished: the schema is migrated and every pack synced (the readiness check's "packs"). */
  prepared = false;

  async prepare(options: { seed?: boolean } = {}): Promise<void> {
    await this.migrate();
    await this.syncAll(options);
    this.prepared = true;
  }
}
