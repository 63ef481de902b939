import { performance } from 'node:perf_hooks';

/** Latency summary of one measured operation, in milliseconds. */
export interface LatencyResult {
  name: string;
  iterations: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  note?: string;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}

export function summarise(name: string, samples: number[], note?: string): LatencyResult {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    name,
    iterations: samples.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1)),
    note,
  };
}

export interface MeasureOptions {
  warmup?: number;
  iterations?: number;
  /** Stop early (after at least `minIterations`) once this much time has been spent measuring. */
  budgetMs?: number;
  minIterations?: number;
  note?: string;
}

/**
 * Runs `fn` sequentially: `warmup` untimed calls (plans cached, pages in memory, JIT warm), then
 * up to `iterations` timed ones. `fn` receives the iteration number, to rotate its inputs.
 */
export async function measure(name: string, fn: (i: number) => Promise<unknown>, options: MeasureOptions = {}): Promise<LatencyResult> {
  const { warmup = 20, iterations = 200, budgetMs = 30_000, minIterations = 20 } = options;
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
    if (i + 1 >= minIterations && performance.now() - started > budgetMs) break;
  }
  return summarise(name, samples, options.note);
}

/** Wall-clock milliseconds of `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: Math.round((performance.now() - t0) * 100) / 100, value };
}
