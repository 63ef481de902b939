import type { INestApplicationContext } from '@nestjs/common';
import type { Command } from 'commander';
import type { CommandIO } from '../plugin-host/commands.js';
import type { PluginRegistry } from '../plugin-host/plugin-registry.js';

/**
 * Adds the commands of every loaded plugin to the program, after the core's. Each run boots the
 * engine with `boot` (as the core's commands do), hands the command its services by type, and
 * closes the engine whatever happens. A name the core already has stops the CLI.
 */
export function addPluginCommands(program: Command, plugins: PluginRegistry, boot: () => Promise<INestApplicationContext>, io: CommandIO): void {
  for (const { plugin, command } of plugins.commands()) {
    if (program.commands.some((c) => c.name() === command.name)) throw new Error(`Plugin "${plugin.name}" adds the command "${command.name}", which the core already has`);
    const line = program.command(command.name).description(`${command.description} (plugin ${plugin.name})`);
    for (const argument of command.arguments ?? []) line.argument(argument.required === false ? `[${argument.name}]` : `<${argument.name}>`, argument.description ?? '');
    for (const option of command.options ?? []) line.option(option.flags, option.description, option.default);
    line.action(async (...received: unknown[]) => {
      const args = Object.fromEntries((command.arguments ?? []).map((a, i) => [a.name, received[i]]).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
      const app = await boot();
      try {
        await command.run({ get: <T>(type: abstract new (...args: never[]) => T) => app.get(type) as T }, { arguments: args, options: line.opts() }, io);
      } finally {
        await app.close();
      }
    });
  }
}
