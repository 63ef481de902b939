import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { SmtpSink } from '../setup/smtp-sink.js';
import { ROOT } from '../setup/test-app.js';

/**
 * No container engine runs here, so the image is checked by what defines it: the runtime stage
 * of the Dockerfile is read (its COPY lines, ENV, USER, HEALTHCHECK, CMD), its file layout is
 * rebuilt in a temporary /app from a build of this tree (production dependencies only, as
 * `npm prune --omit=dev` leaves them), and that layout is booted as an unprivileged user on an
 * empty database with an SMTP server: it migrates, seeds, becomes healthy by the image's own
 * HEALTHCHECK, sends mail from its templates, runs the CLI, and exits 0 on SIGTERM.
 */

interface Stage {
  lines: string[];
}

function dockerfileStages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) stages.push({ lines: [] });
    stages[stages.length - 1]?.lines.push(line);
  }
  return stages;
}

const NOBODY = 65534;
const DB_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('container image layout (from the Dockerfile)', () => {
  const stages = dockerfileStages();
  const build = stages[0];
  const runtime = stages[stages.length - 1];
  const app = mkdtempSync(join(tmpdir(), 'guichet-image-'));
  const database = `guichet_image_${randomBytes(4).toString('hex')}`;
  const sink = new SmtpSink();
  let server: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let output = '';

  const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.toUpperCase().startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());
  const jsonArgs = (text: string) => JSON.parse(text) as string[];

  beforeAll(async () => {
    // The build stage as the Dockerfile runs it: compile this tree.
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`build failed: ${tsc.stdout}${tsc.stderr}`);
    chmodSync(app, 0o755);
    for (const copy of instruction(runtime, 'COPY')) {
      const match = /^--from=build\s+\/app\/(\S+)\s+(\S+)$/.exec(copy);
      if (!match) throw new Error(`unexpected COPY in the runtime stage: ${copy}`);
      const [, from, to] = match;
      const target = join(app, to);
      if (from === 'node_modules') {
        // What `npm ci` then `npm prune --omit=dev` leave: the lockfile's production packages.
        // Install scripts run, as in the image (argon2's native module; the DSFR's terms in .dsfr.yml).
        for (const file of ['package-lock.json', '.dsfr.yml']) copyFileSync(join(ROOT, file), join(app, file));
        const ci = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, encoding: 'utf8' });
        for (const file of ['package-lock.json', '.dsfr.yml']) rmSync(join(app, file));
        if (ci.status !== 0) throw new Error(`npm ci failed: ${ci.stderr}`);
        continue;
      }
      if (!existsSync(join(ROOT, from))) throw new Error(`COPY of ${from}: not in the build stage`);
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(ROOT, from), target, { recursive: true });
    }
    // `RUN mkdir -p /app/.data && chown node:node /app/.data`, with nobody for node.
    mkdirSync(join(app, '.data'));
    chownSync(join(app, '.data'), NOBODY, NOBODY);
    await sink.start();
    const admin = new pg.Client({ connectionString: DB_ADMIN });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const imageEnv = Object.fromEntries(instruction(runtime, 'ENV').flatMap((e) => e.split(/\s+/).map((kv) => kv.split('=') as [string, string])));
    const url = new URL(DB_ADMIN);
    url.pathname = `/${database}`;
    env = {
      PATH: process.env.PATH,
      HOME: join(app, '.data'),
      ...imageEnv,
      PORT: String(await freePort()),
      DATABASE_URL: url.toString(),
      GUICHET_TENANTS: 'caen-amigo',
      GUICHET_DEMO: 'true',
      GUICHET_SMTP_URL: sink.url,
      GUICHET_OUTBOX_INTERVAL_MS: '300',
      GUICHET_TIMER_INTERVAL_MS: '0',
    };
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await sink.stop?.();
    const admin = new pg.Client({ connectionString: DB_ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(app, { recursive: true, force: true });
  });

  it('installs with npm ci, runs as a non-root user under an init process, and checks its readiness', () => {
    expect(build.lines.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(build.lines.join('\n')).not.toMatch(/npm install/);
    expect(instruction(runtime, 'USER')).toEqual(['node']);
    expect(jsonArgs(instruction(runtime, 'ENTRYPOINT')[0])).toEqual(['/usr/bin/tini', '--']);
    expect(instruction(runtime, 'HEALTHCHECK')[0]).toContain('/health/ready');
    expect(env.GUICHET_HOST).toBe('0.0.0.0');
    expect(env.NODE_ENV).toBe('production');
  });

  it('boots the layout, becomes healthy, sends mail from its templates and stops cleanly on SIGTERM', async () => {
    const [command, ...args] = jsonArgs(instruction(runtime, 'CMD')[0]);
    server = spawn(command === 'node' ? process.execPath : command, args, { cwd: app, env, uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const healthcheck = jsonArgs(/CMD\s+(\[.*\])$/.exec(instruction(runtime, 'HEALTHCHECK')[0])![1]);
    let healthy = false;
    for (let i = 0; i < 120 && !healthy && server.exitCode === null && server.signalCode === null; i++) {
      healthy = spawnSync(process.execPath, healthcheck.slice(1), { cwd: app, env, uid: NOBODY, gid: NOBODY }).status === 0;
      if (!healthy) await new Promise((r) => setTimeout(r, 500));
    }
    if (!healthy) throw new Error(`not healthy (exit ${server.exitCode ?? server.signalCode}):\n${output}`);
    // Production logs are JSON lines.
    const lines = output.split('\n').filter(Boolean);
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    // The demo tickets' notifications go out through the templates the image carries.
    for (let i = 0; i < 60 && sink.received.length === 0; i++) await new Promise((r) => setTimeout(r, 500));
    expect(sink.received.length).toBeGreaterThan(0);
    expect(sink.received[0].mail.text).toBeTruthy();
    expect(output).not.toMatch(/ENOENT|template/i);
    // The CLI of the image, as `docker exec … node bin/guichet.js`.
    const cli = spawnSync(process.execPath, ['bin/guichet.js', 'tenants', 'validate'], { cwd: app, env, uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
    expect(cli.status).toBe(0);
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
