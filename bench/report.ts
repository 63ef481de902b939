import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BuildReport } from './build-tenant.js';
import type { ScenarioReport } from './scenarios.js';

export interface BenchResult {
  startedAt: string;
  machine: Record<string, unknown>;
  server: Record<string, string>;
  config: Record<string, unknown>;
  boot: { migrations: string[]; migrateMs: number; bootMs: number };
  build: BuildReport;
  scenarios: ScenarioReport;
}

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^-?[\d,.]+$/.test(String(r[i]))));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map((r) => line(r as string[]))].join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

export function render(result: BenchResult): string {
  const { build, scenarios } = result;
  const out: string[] = [];
  out.push(`Guichet benchmark — ${result.startedAt}`);
  out.push(
    `Machine: ${result.machine.cpus} CPU (${result.machine.cpuModel}), ${result.machine.memoryGB} GB RAM, Node ${result.machine.node}; ` +
      `PostgreSQL ${result.server.server_version} (shared_buffers ${result.server.shared_buffers}, work_mem ${result.server.work_mem}, JIT ${result.server.jit})`,
  );
  out.push('');
  out.push(`Boot (migrate + pack sync + demo seed): ${seconds(result.boot.bootMs)} s`);
  out.push('');
  out.push(`Build of the tenant "${result.config.tenant}" (${build.tickets.toLocaleString('en-US')} tickets, ${build.people.toLocaleString('en-US')} people, ${build.establishments} establishments, ${build.events.toLocaleString('en-US')} events, ${build.participants.toLocaleString('en-US')} participants)`);
  out.push(table(['phase', 'seconds'], [...build.phases.map((p) => [p.name, seconds(p.ms)]), ['total', seconds(build.totalMs)]]));
  out.push('');
  out.push(`Requesters with the most tickets: ${build.perRequester.slice(0, 6).map((r) => `${r.login} ${r.tickets}`).join(', ')}`);
  out.push(`Statuses: ${Object.entries(build.statuses).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  out.push(`Sizes (MB, with indexes): ${build.sizes.map((s) => `${s.relation} ${s.totalMB}`).join(', ')}`);
  out.push(`Ticket indexes (MB): ${build.ticketIndexes.map((i) => `${i.index} ${i.MB}`).join(', ')}`);
  out.push('');
  out.push('Latency (ms), sequential calls through the services, after warm-up');
  out.push(table(['operation', 'runs', 'p50', 'p95', 'max', 'notes'], scenarios.latencies.map((l) => [l.name, l.iterations, l.p50, l.p95, l.max, l.note ?? ''])));
  out.push('');
  const { sequential, concurrent } = scenarios.creation;
  out.push('Ticket creation (core.tickets.create, one transaction each)');
  out.push(
    table(
      ['mode', 'tickets', 'wall ms', 'tickets/s', 'p50', 'p95', 'max'],
      [
        ['sequential', sequential.count, sequential.wallMs, sequential.perSecond, sequential.latency.p50, sequential.latency.p95, sequential.latency.max],
        ['concurrent (Promise.all)', concurrent.count, concurrent.wallMs, concurrent.perSecond, concurrent.latency.p50, concurrent.latency.p95, concurrent.latency.max],
      ],
    ),
  );
  out.push('');
  const ex = scenarios.explain;
  out.push('EXPLAIN (ANALYZE, BUFFERS) — view counts sent by views()');
  out.push(
    table(
      ['view', 'exec ms', 'indexes', 'seq scan', 'sort', 'removed by filter', 'buffers hit/read'],
      ex.views.map((v) => [v.view, v.executionMs, v.indexes.join(' ') || '-', v.seqScanOnTicket ? 'YES' : 'no', v.sort ? 'yes' : 'no', v.rowsRemovedByFilter, `${v.sharedHit}/${v.sharedRead}`]),
    ),
  );
  out.push('');
  out.push('EXPLAIN (ANALYZE, BUFFERS) of the requester list ("open" view, alice, first page) as TicketRepository.list sent it:');
  out.push(ex.requesterList.sql);
  out.push('');
  out.push(ex.requesterList.text);
  out.push('');
  out.push(
    ex.requesterList.usesTicketByRequester
      ? `ASSERT ticket_by_requester used: YES (indexes: ${ex.requesterList.indexes.join(', ')}; sort node: ${ex.requesterList.sort ? 'yes' : 'no'}; ` +
          `ticket rows removed by filter: ${ex.requesterList.rowsRemovedByFilter}; ${ex.requesterList.executionMs} ms)`
      : `ASSERT ticket_by_requester used: NO — indexes: ${ex.requesterList.indexes.join(', ') || 'none'}; seq scan: ${ex.requesterList.seqScanOnTicket}`,
  );
  out.push(`Page 2 (keyset cursor): ticket_by_requester used: ${ex.requesterListPage2.usesTicketByRequester ? 'YES' : 'NO'}, sort node: ${ex.requesterListPage2.sort ? 'yes' : 'no'}, ${ex.requesterListPage2.executionMs} ms`);
  out.push('');
  out.push(`Heaviest requester's list (${ex.heavyRequesterList.label}): ticket_by_requester used: ${ex.heavyRequesterList.usesTicketByRequester ? 'YES' : 'NO'}, sort node: ${ex.heavyRequesterList.sort ? 'yes' : 'no'}, rows removed by filter ${ex.heavyRequesterList.rowsRemovedByFilter}, ${ex.heavyRequesterList.executionMs} ms`);
  out.push('');
  out.push('What a change in src/ would buy: hand-written variants on the same data (EXPLAIN ANALYZE; NOT what Guichet sends today)');
  out.push(
    table(
      ['variant', 'today ms', 'variant ms', 'indexes', 'sort', 'buffers hit/read'],
      scenarios.alternatives.map((a) => [a.label, a.currentMs, a.alternative.executionMs, a.alternative.indexes.join(' ') || '-', a.alternative.sort ? 'yes' : 'no', `${a.alternative.sharedHit}/${a.alternative.sharedRead}`]),
    ),
  );
  out.push('');
  out.push(`Slowest view count ("${ex.slowestView.view}", ${ex.slowestView.executionMs} ms):`);
  out.push(ex.slowestView.text);
  return out.join('\n');
}

export function writeJson(path: string, result: BenchResult | object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
