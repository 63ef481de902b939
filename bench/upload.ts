/**
 * Upload memory benchmark: does a file cost the server memory in proportion to its size?
 * The application runs in a child process (bench/upload-server.ts); this process plays 8
 * clients that each upload 100 MB files at the same time, generating the bytes as they go, and
 * samples the server's resident memory (/proc/PID/status, VmRSS every 20 ms, and VmHWM, the
 * kernel's own peak, reset through /proc/PID/clear_refs before each scenario).
 *
 *   npm run bench:upload
 *
 * Env: BENCH_DATABASE_URL (as `npm run bench`), BENCH_UPLOAD_CLIENTS (8), BENCH_UPLOAD_MB (100),
 * BENCH_UPLOAD_ROUNDS (3), BENCH_OUT (default bench/results/upload.json).
 * Passes when every scenario's peak RSS growth stays under 32 MB; exits 1 otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../src/config/app-config.js';
import { benchDatabase, dropDatabase, recreateDatabase, serverFacts } from './database.js';
import { table, writeJson } from './report.js';

const MB = 1_000_000;
const GROWTH_LIMIT_BYTES = 32 * MB;
const PACK_LIMIT = 'attachments: { maxBytes: 128MiB, maxFiles: 10 }';

interface Server {
  child: ChildProcess;
  port: number;
  token: string;
  cookie: string;
  csrf: string;
}

interface UploadOutcome {
  status: number;
  /** Body bytes the client had written when the answer came (all of them for an accepted file). */
  sentAtAnswer: number;
  ms: number;
  error?: string;
}

interface Scenario {
  name: string;
  what: string;
  expected: number[];
  run: (client: number, round: number) => Promise<UploadOutcome>;
  fileBytes: number;
}

function intEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return value;
}

/** Resident memory of a process, in bytes: now (VmRSS) and its peak since the last reset (VmHWM). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Connections kept alive as browsers keep them (a refused upload is then drained, not reset). */
const clientAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One multipart upload, the file generated in 64 KiB blocks as the socket
 * takes them (the client holds no file either). Stops writing once answered.
 */
function upload(port: number, path: string, headers: Record<string, string>, fields: Record<string, string>, fileField: string, fileBytes: number): Promise<UploadOutcome> {
  const boundary = `----guichetbench${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    let sent = 0;
    let answered = false;
    let settled = false;
    const settle = (outcome: UploadOutcome) => {
      if (settled) return;
      settled = true;
      resolvePromise(outcome);
    };
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent: clientAgent,
      headers: { ...headers, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + fileBytes + tail.length) },
    });
    req.on('response', (res) => {
      answered = true;
      const sentAtAnswer = sent;
      res.resume();
      res.on('end', () => {
        settle({ status: res.statusCode ?? 0, sentAtAnswer, ms: performance.now() - started });
        // A body cut short by the answer leaves the connection unusable: it is not given back.
        if (left > 0) req.destroy();
      });
      res.on('error', () => settle({ status: res.statusCode ?? 0, sentAtAnswer, ms: performance.now() - started }));
    });
    req.on('error', (error) => {
      if (!answered) settle({ status: 0, sentAtAnswer: sent, ms: performance.now() - started, error: error.message });
    });
    let left = fileBytes;
    const write = (chunk: Buffer) => {
      sent += chunk.length;
      return req.write(chunk);
    };
    const pump = () => {
      while (!answered && !req.destroyed && left > 0) {
        const chunk = left >= block.length ? block : block.subarray(0, left);
        left -= chunk.length;
        if (!write(chunk)) return void req.once('drain', pump);
      }
      if (!answered && !req.destroyed) req.end(tail);
    };
    write(head);
    pump();
  });
}

/** Node flags of the server process (BENCH_UPLOAD_NODE_FLAGS, none by default: as `npm start` runs). */
function serverFlags(): string[] {
  return (process.env.BENCH_UPLOAD_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [...serverFlags(), join(projectRoot, 'dist', 'bench', 'upload-server.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const first = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`upload server exited (${code}) before listening`)));
  });
  child.on('exit', (code, signal) => {
    if (!stopping.has(child)) console.error(`upload server exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return { child, ...(JSON.parse(first) as Omit<Server, 'child'>) };
}

const stopping = new WeakSet<ChildProcess>();

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  stopping.add(server.child);
  const exited = new Promise((resolveExit) => server.child.once('exit', resolveExit));
  server.child.kill('SIGTERM');
  await exited;
}

async function createTickets(server: Server, count: number): Promise<string[]> {
  const refs: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/sample/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ leaf: 'otp-order', values: { title: `Bench ${i}`, description: 'Upload benchmark' } }),
    });
    if (res.status !== 201) throw new Error(`ticket creation answered ${res.status}: ${await res.text()}`);
    refs.push(((await res.json()) as { reference: string }).reference);
  }
  return refs;
}

function storedBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

function askMemory(server: Server): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolveMemory) => {
    server.child.once('message', (m) => resolveMemory(m as NodeJS.MemoryUsage));
    server.child.send('memory');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(server: Server, scenario: Scenario, clients: number, rounds: number, storage: string) {
  const pid = server.child.pid!;
  await sleep(1000);
  const baseline = memoryOf(pid).rss;
  const kernelPeak = resetPeak(pid);
  let sampled = baseline;
  const inside = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const onMemory = (m: NodeJS.MemoryUsage) => {
    for (const key of Object.keys(inside) as (keyof typeof inside)[]) inside[key] = Math.max(inside[key], m[key]);
  };
  server.child.on('message', onMemory);
  const before = await askMemory(server);
  let ticks = 0;
  const sampler = setInterval(() => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    sampled = Math.max(sampled, memoryOf(pid).rss);
    if (++ticks % 5 === 0) server.child.send('memory');
  }, 20);
  const storedBefore = storedBytes(storage);
  const started = performance.now();
  const outcomes: UploadOutcome[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      outcomes.push(...(await Promise.all(Array.from({ length: clients }, (_, client) => scenario.run(client, round)))));
    }
  } finally {
    clearInterval(sampler);
    server.child.off('message', onMemory);
  }
  const ms = performance.now() - started;
  const after = memoryOf(pid);
  const peak = Math.max(sampled, kernelPeak ? after.hwm : 0);
  const statuses: Record<string, number> = {};
  for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const sentAtAnswer = outcomes.map((o) => o.sentAtAnswer);
  return {
    name: scenario.name,
    what: scenario.what,
    clients,
    rounds,
    fileBytes: scenario.fileBytes,
    uploads: outcomes.length,
    statuses,
    asExpected: outcomes.every((o) => scenario.expected.includes(o.status)),
    errors: [...new Set(outcomes.map((o) => o.error).filter(Boolean))],
    seconds: ms / 1000,
    storedBytes: storedBytes(storage) - storedBefore,
    sentAtAnswerMaxBytes: Math.max(...sentAtAnswer),
    rss: { baselineBytes: baseline, peakBytes: peak, growthBytes: peak - baseline, afterBytes: after.rss, peakSource: kernelPeak ? 'VmHWM and 20 ms VmRSS samples' : '20 ms VmRSS samples' },
    // The server's own view (process.memoryUsage every 100 ms): before, and the largest seen.
    v8: { before, peak: inside },
    pass: peak - baseline < GROWTH_LIMIT_BYTES,
  };
}

async function main(): Promise<void> {
  const clients = intEnv('BENCH_UPLOAD_CLIENTS', 8);
  const fileBytes = intEnv('BENCH_UPLOAD_MB', 100) * MB;
  const rounds = intEnv('BENCH_UPLOAD_ROUNDS', 3);
  const out = resolve(process.env.BENCH_OUT ?? join(projectRoot, 'bench', 'results', 'upload.json'));
  const log = (line: string) => console.error(line);
  const db = benchDatabase(process.env, 'guichet_bench_upload');
  const tmp = mkdtempSync(join(tmpdir(), 'guichet-bench-upload-'));
  const packs = join(tmp, 'packs');
  const storage = join(tmp, 'storage');
  cpSync(join(projectRoot, 'test', 'fixtures', 'packs'), packs, { recursive: true });
  const tenantFile = join(packs, 'sample', 'tenant.yaml');
  const yaml = readFileSync(tenantFile, 'utf8');
  if (!/^attachments: .*$/m.test(yaml)) throw new Error('the sample pack has no attachments line');
  writeFileSync(tenantFile, yaml.replace(/^attachments: .*$/m, PACK_LIMIT));
  const startedAt = new Date().toISOString();
  log(`Database ${db.name}: recreating; server in a child process; ${clients} clients × ${fileBytes / MB} MB × ${rounds} rounds`);
  await recreateDatabase(db);
  let server: Server | undefined;
  try {
    server = await startServer({ BENCH_DB_URL: db.url, BENCH_PACKS: packs, BENCH_STORAGE: storage });
    const s = server;
    const api = { Authorization: `Bearer ${s.token}` };
    const portal = { Cookie: s.cookie };
    const tickets = await createTickets(s, clients * 2);
    const apiTicket = (client: number) => tickets[client];
    const portalTicket = (client: number) => tickets[clients + client];
    const small = 10 * MB;
    const warmUp: Scenario = {
      name: 'warm-up',
      what: `8 clients × ${small / MB} MB on the API then the portal, before measuring (V8 sizes its young generation for this concurrency once)`,
      expected: [201, 303],
      fileBytes: small,
      run: (c, round) => (round === 0 ? upload(s.port, `/api/sample/tickets/${apiTicket(c)}/attachments`, api, {}, 'file', small) : upload(s.port, `/sample/tickets/${portalTicket(c)}/attach`, portal, { _csrf: s.csrf }, 'file', small)),
    };
    const over = 200 * MB;
    const scenarios: Scenario[] = [
      { name: 'api', what: `API attach, ${fileBytes / MB} MB each, accepted (201)`, expected: [201], fileBytes, run: (c) => upload(s.port, `/api/sample/tickets/${apiTicket(c)}/attachments`, api, {}, 'file', fileBytes) },
      { name: 'portal', what: `portal attach form, ${fileBytes / MB} MB each, accepted (303)`, expected: [303], fileBytes, run: (c) => upload(s.port, `/sample/tickets/${portalTicket(c)}/attach`, portal, { _csrf: s.csrf }, 'file', fileBytes) },
      { name: 'over-limit', what: `API attach, ${over / MB} MB each over the 128 MiB limit (413)`, expected: [413], fileBytes: over, run: (c) => upload(s.port, `/api/sample/tickets/${apiTicket(c)}/attachments`, api, {}, 'file', over) },
      { name: 'anonymous', what: `no session, ${over / MB} MB each to the portal attach route (303 to sign-in)`, expected: [303], fileBytes: over, run: (c) => upload(s.port, `/sample/tickets/${portalTicket(c)}/attach`, {}, { _csrf: 'none' }, 'file', over) },
    ];
    log(`Warm-up: ${warmUp.what}`);
    const warm = await measure(s, warmUp, clients, 2, storage);
    log(`  RSS ${(warm.rss.baselineBytes / MB).toFixed(1)} → peak ${(warm.rss.peakBytes / MB).toFixed(1)} MB (growth ${(warm.rss.growthBytes / MB).toFixed(1)} MB), ${JSON.stringify(warm.statuses)}`);
    const results = [];
    for (const scenario of scenarios) {
      log(`Scenario ${scenario.name}: ${scenario.what}`);
      const result = await measure(s, scenario, clients, scenario.name === 'api' || scenario.name === 'portal' ? rounds : 1, storage);
      log(`  RSS ${(result.rss.baselineBytes / MB).toFixed(1)} → peak ${(result.rss.peakBytes / MB).toFixed(1)} MB (growth ${(result.rss.growthBytes / MB).toFixed(1)} MB), ${JSON.stringify(result.statuses)}, ${result.seconds.toFixed(1)} s`);
      log(`  V8 heapTotal ${(result.v8.before.heapTotal / MB).toFixed(1)} → ${(result.v8.peak.heapTotal / MB).toFixed(1)} MB, arrayBuffers ${(result.v8.before.arrayBuffers / MB).toFixed(1)} → ${(result.v8.peak.arrayBuffers / MB).toFixed(1)} MB`);
      results.push(result);
    }
    const cpu = cpus();
    const report = {
      startedAt,
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 1024 ** 3), node: process.versions.node, platform: `${process.platform} ${process.arch}` },
      server: await serverFacts(db),
      config: { clients, fileBytes, rounds, packLimit: PACK_LIMIT, growthLimitBytes: GROWTH_LIMIT_BYTES, serverNodeFlags: serverFlags() },
      warmUp: warm,
      scenarios: results,
      pass: results.every((r) => r.pass && r.asExpected),
    };
    console.log(
      table(
        ['scenario', 'uploads', 'statuses', 'MB sent/upload', 'stored MB', 's', 'RSS before MB', 'peak MB', 'growth MB', 'pass'],
        results.map((r) => [
          r.name,
          r.uploads,
          Object.entries(r.statuses).map(([k, v]) => `${v}×${k}`).join(' '),
          r.name === 'api' || r.name === 'portal' ? r.fileBytes / MB : `≤ ${(r.sentAtAnswerMaxBytes / MB).toFixed(0)} of ${r.fileBytes / MB}`,
          Number((r.storedBytes / MB).toFixed(0)),
          Number(r.seconds.toFixed(1)),
          Number((r.rss.baselineBytes / MB).toFixed(1)),
          Number((r.rss.peakBytes / MB).toFixed(1)),
          Number((r.rss.growthBytes / MB).toFixed(1)),
          r.pass && r.asExpected ? 'yes' : 'NO',
        ]),
      ),
    );
    writeJson(out, report);
    log(`\nWrote ${out}`);
    if (!report.pass) process.exitCode = 1;
  } finally {
    if (server) await stopServer(server);
    rmSync(tmp, { recursive: true, force: true });
    await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
