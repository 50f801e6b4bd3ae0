import { inject, injectable } from 'tsyringe';
import { Counter, Gauge, type Registry, collectDefaultMetrics } from 'prom-client';
import { TOKENS } from '../di/tokens';
import { type Config } from '../config';
import { type HistogramChild, RequestHistogram } from './request-histogram';

export const HTTP_REQUEST_DURATION = 'http_server_request_duration_seconds';
export const HTTP_ACTIVE_REQUESTS = 'http_server_active_requests';
export const BUILD_INFO = 'app_build_info';
export const WORK_UNITS = 'app_work_units_total';
export const WORK_REQUESTS = 'app_work_requests_total';

export const HTTP_LABELS = ['method', 'route', 'status_code'] as const;
export const BUILD_INFO_LABELS = ['version', 'revision', 'node_version'] as const;
export const WORK_OUTCOME_LABELS = ['outcome'] as const;

/** Seconds; a web service answers in milliseconds, the workload endpoint in up to 5 s. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The route label of every request that matched no route: one value, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';
/** The method label of every method the service does not serve (OpenTelemetry's convention). */
export const OTHER_METHOD = '_OTHER';
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST']);

export type WorkOutcome = 'success' | 'failure';

/** Every metric the service exports, registered on the injected registry (never the global one). */
@injectable()
export class Metrics {
  private readonly requestDuration: RequestHistogram;
  /**
   * The histogram's label children by route, request method and status code, found without
   * building a key per request: route templates and methods are strings V8 has already hashed,
   * status codes small integers. Bounded like the labels: Node's parser knows a fixed list of
   * methods (those the service does not serve share the child of OTHER_METHOD).
   */
  private readonly durationChildren = new Map<string, Map<string, Map<number, HistogramChild>>>();
  /** Requests in flight; a plain number per request, read into the gauge when scraped. */
  private inFlight = 0;
  private readonly workUnits: Counter;
  private readonly workRequests: Counter<(typeof WORK_OUTCOME_LABELS)[number]>;

  constructor(
    @inject(TOKENS.Registry) private readonly registry: Registry,
    @inject(TOKENS.Config) config: Config,
  ) {
    const registers = [registry];
    collectDefaultMetrics({ register: registry });
    this.requestDuration = new RequestHistogram(
      HTTP_REQUEST_DURATION,
      'Duration of HTTP requests, by method, route template and status code.',
      HTTP_DURATION_BUCKETS,
      registry,
    );
    const inFlight = (): number => this.inFlight;
    new Gauge({
      name: HTTP_ACTIVE_REQUESTS,
      help: 'HTTP requests in flight.',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    new Gauge({
      name: BUILD_INFO,
      help: 'Always 1; labels say which build is running.',
      labelNames: BUILD_INFO_LABELS,
      registers,
    }).set({ version: config.appVersion, revision: config.gitRevision, node_version: process.version }, 1);
    this.workUnits = new Counter({
      name: WORK_UNITS,
      help: 'Units of CPU work (hashing rounds) done by /api/work.',
      registers,
    });
    this.workRequests = new Counter({
      name: WORK_REQUESTS,
      help: 'Requests /api/work finished, by outcome (failure = injected failure).',
      labelNames: WORK_OUTCOME_LABELS,
      registers,
    });
    // Both outcomes exist from the start, so rate() and ratios work before the first failure.
    this.workRequests.inc({ outcome: 'success' }, 0);
    this.workRequests.inc({ outcome: 'failure' }, 0);
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  /** `route` is the route template or undefined when nothing matched; never the raw URL. */
  requestFinished(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.inFlight -= 1;
    const routeLabel = route ?? UNMATCHED_ROUTE;
    let byMethod = this.durationChildren.get(routeLabel);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.durationChildren.set(routeLabel, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(statusCode);
    if (child === undefined) {
      const labels: Record<(typeof HTTP_LABELS)[number], string> = {
        method: KNOWN_METHODS.has(method) ? method : OTHER_METHOD,
        route: routeLabel,
        status_code: String(statusCode),
      };
      child = this.requestDuration.child(labels);
      byStatus.set(statusCode, child);
    }
    child.observe(seconds);
  }

  workDone(units: number): void {
    this.workUnits.inc(units);
  }

  workFinished(outcome: WorkOutcome): void {
    this.workRequests.inc({ outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
