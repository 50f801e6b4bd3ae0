// The few Prometheus and Alertmanager HTTP API calls the fault tests read: instant queries, raw
// samples, alerts, readiness.

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

async function api<T>(baseUrl: string, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${body.error ?? response.status}`);
  return body.data;
}

export class PrometheusApi {
  constructor(private readonly baseUrl: string) {}

  async query(promql: string): Promise<VectorSample[]> {
    const data = await api<{ result: VectorSample[] }>(this.baseUrl, `/api/v1/query?query=${encodeURIComponent(promql)}`);
    return data.result;
  }

  /** The raw samples of a range selector such as `up{job="app"}[5m]`, evaluated at `atSeconds`. */
  async rawSamples(rangeSelector: string, atSeconds: number): Promise<MatrixSeries[]> {
    const query = new URLSearchParams({ query: rangeSelector, time: atSeconds.toFixed(3) });
    const data = await api<{ result: MatrixSeries[] }>(this.baseUrl, `/api/v1/query?${query.toString()}`);
    return data.result;
  }

  async alerts(): Promise<Alert[]> {
    const data = await api<{ alerts: Alert[] }>(this.baseUrl, '/api/v1/alerts');
    return data.alerts;
  }

  async ready(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    return response?.status === 200;
  }
}

/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts: active, silenced or inhibited; resolved ones are left out). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed' };
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** The Alertmanager API v2 calls the fault tests read. */
export class AlertmanagerApi {
  constructor(private readonly baseUrl: string) {}

  async alerts(): Promise<AlertmanagerAlert[]> {
    const response = await fetch(`${this.baseUrl}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`/api/v2/alerts: HTTP ${response.status}`);
    return (await response.json()) as AlertmanagerAlert[];
  }

  async ready(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    return response?.status === 200;
  }
}
