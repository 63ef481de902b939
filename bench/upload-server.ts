/**
 * The server side of `npm run bench:upload`: the real application (createApp, as
 * `main.ts` boots it) on the benchmark's database, in its own process so that its memory is the
 * only thing measured. Prints one JSON line on stdout once it listens: port, an API token and a
 * portal session of the demo person `alice`. Answers `memory` IPC messages with
 * `process.memoryUsage()`. Stops on SIGTERM.
 *
 * Env: BENCH_DB_URL, BENCH_PACKS (packs folder), BENCH_STORAGE (storage folder).
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/bootstrap.js';
import { TestCore } from '../test/setup/test-core.js';
import type { Server } from 'node:http';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const storageDir = env('BENCH_STORAGE');
  const app = await createApp(
    { port: 0, databaseUrl: env('BENCH_DB_URL'), dataDir: storageDir, tenantsDir: env('BENCH_PACKS'), tenants: ['sample'], storageDir, demo: true, publicUrl: 'http://localhost', jobs: {} },
    { seed: true, logger: ['error', 'warn'] },
  );
  const core = new TestCore(app);
  await app.listen(0, '127.0.0.1');
  const ctx = await core.as('sample', 'alice');
  const { token } = await core.tokens.mint(ctx, 'alice', { name: 'bench', scopes: ['read', 'write'] });
  const session = await core.sessions.open(ctx, ctx.actor.id!, 'demo');
  const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
  console.log(JSON.stringify({ port, token, cookie: `guichet_session=${session.token}`, csrf: session.csrf }));
  // The runner asks for the process's own view of its memory (heap and buffers) while it measures RSS.
  process.on('message', (message) => {
    if (message === 'memory') process.send?.(process.memoryUsage());
  });
  process.once('SIGTERM', () => {
    void app
      .close()
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
