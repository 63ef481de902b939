import type { Type } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/**
 * A plugin's background work for one tenant (deliveries to send, a directory to sync). The host
 * runs it for every tenant the deployment serves, in every instance: its SQL must claim what it
 * works on (`FOR UPDATE SKIP LOCKED`, a lease) so that instances running together never act twice.
 * A run never overlaps the previous one of the same task in one instance; a failure in one tenant
 * is logged and the others still run.
 */
export abstract class PluginTask {
  abstract run(ctx: RequestContext): Promise<unknown>;
}

/** A task a plugin declares in `tasks`: the job is named `<plugin>:<name>`. */
export interface PluginTaskDefinition {
  name: string;
  /** The Nest provider (listed in the plugin's `providers`) that runs it. */
  task: Type<PluginTask>;
}
