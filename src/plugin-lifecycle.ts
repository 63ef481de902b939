import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { closeDataSource } from './database/data-source.js';
import { PluginRegistry } from './plugin-host/plugin-registry.js';

/** Part of the composition root: plugins' `init`/`destroy`, and the embedded database closed with the data source. */
@Injectable()
export class PluginLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly plugins: PluginRegistry,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const plugin of this.plugins.all()) await plugin.init?.();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const plugin of this.plugins.all().reverse()) await plugin.destroy?.();
    // TypeORM's module destroys the data source; PGlite, under it, is closed here.
    await closeDataSource(this.dataSource);
  }
}
