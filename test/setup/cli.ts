import { Command } from 'commander';
import { createContext, loadPlugins } from '../../src/bootstrap.js';
import { addPluginCommands } from '../../src/cli/plugin-commands.js';
import type { TestApp } from './test-app.js';

/**
 * Runs `guichet <argv…>` for the commands of the test app's plugins (first-party and its
 * `plugins`), as the CLI registers them, against the app's database and clock; `input` is what
 * standard input gives. Returns the lines printed.
 */
export async function runPluginCommand(t: TestApp, argv: string[], input = ''): Promise<string[]> {
  const printed: string[] = [];
  // Commander's own errors (a missing argument) are thrown, not printed.
  const program = new Command('guichet').exitOverride().configureOutput({ writeErr: () => undefined });
  const boot = () => createContext(t.config, { clock: t.clock, seed: false, logger: ['error'] });
  addPluginCommands(program, await loadPlugins(t.config.plugins), boot, { print: (line) => printed.push(line), read: async () => input });
  await program.parseAsync(argv, { from: 'user' });
  return printed;
}
