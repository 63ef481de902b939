import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { Provider } from '@nestjs/common';
import type { GuichetPlugin } from './plugin.js';
import { pluginApiPrefix } from './plugin-routes.js';

/**
 * What is wrong with a plugin's definition, checked at boot before anything runs: its routes stay
 * under its prefixes (`api/:tenant/plugins/<name>`, and `:tenant/auth/<name>` for a sign-in
 * method), its migrations are named as TypeORM runs them, its tasks are among its providers.
 */
export function definitionProblems(plugin: GuichetPlugin): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(plugin.name)) problems.push(`its name "${plugin.name}" is not lower-case letters, digits and hyphens`);
  const prefixes = [pluginApiPrefix(plugin.name), ...(plugin.provides.authMethod ? [`:tenant/auth/${plugin.name}`] : [])];
  for (const controller of plugin.controllers ?? []) {
    const declared = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    for (const path of [declared ?? '/'].flat()) {
      const normalised = path.replace(/^\/+|\/+$/g, '');
      if (!prefixes.some((prefix) => normalised === prefix || normalised.startsWith(`${prefix}/`))) {
        problems.push(`controller ${controller.name} is at "/${normalised}", outside ${prefixes.map((p) => `/${p}/`).join(' and ')}`);
      }
    }
  }
  for (const Migration of plugin.migrations ?? []) {
    const name = new Migration().name ?? Migration.name;
    if (!/\d{13}$/.test(name)) problems.push(`migration ${name} does not end with a 13-digit timestamp`);
  }
  const provided = new Set((plugin.providers ?? []).map(providedToken));
  for (const task of plugin.tasks ?? []) {
    if (!provided.has(task.task)) problems.push(`task "${task.name}" runs ${task.task.name}, which is not one of its providers`);
  }
  const source = plugin.provides.directory?.source;
  if (source && !provided.has(source)) problems.push(`directory source ${source.name} is not one of its providers`);
  const taskNames = (plugin.tasks ?? []).map((t) => t.name);
  for (const name of new Set(taskNames.filter((n, i) => taskNames.indexOf(n) !== i))) problems.push(`two tasks are named "${name}"`);
  return problems;
}

function providedToken(provider: Provider): unknown {
  return typeof provider === 'function' ? provider : provider.provide;
}
