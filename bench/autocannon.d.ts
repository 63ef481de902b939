declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p90: number; p97_5: number; p99: number; max: number }
  interface Result { requests: Histogram & { total: number }; latency: Histogram; errors: number; timeouts: number; non2xx: number; duration: number }
  interface Options {
    url: string; connections?: number; duration?: number; amount?: number; method?: string; headers?: Record<string, string>; body?: string;
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }[];
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
