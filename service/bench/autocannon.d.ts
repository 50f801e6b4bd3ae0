// The part of autocannon 9's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface RawRequest {
    path?: string;
    method?: string;
    [field: string]: unknown;
  }

  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    /** Seconds. */
    timeout?: number;
    requests?: { setupRequest?: (req: RawRequest) => RawRequest }[];
  }

  interface Histogram {
    average: number;
    /** Of `requests`: the requests completed. */
    total: number;
    p50: number;
    p99: number;
    max: number;
  }

  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
