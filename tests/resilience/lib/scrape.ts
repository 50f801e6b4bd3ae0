// Reads the service's own /metrics over a fresh loopback connection.
import { parseExposition, seriesKey, type Series } from '../../support/exposition';
import { getStatus } from '../../support/raw-http';

export interface Scrape {
  series: Series[];
  keys: Set<string>;
}

export async function scrape(port: number): Promise<Scrape> {
  const result = await getStatus(port, '/metrics', 10_000);
  if (result.response?.status !== 200) {
    throw new Error(`GET /metrics: ${result.outcome} ${result.response?.status ?? result.errorCode ?? ''}`);
  }
  const series = parseExposition(result.response.body.toString('utf8'));
  return { series, keys: new Set(series.map(seriesKey)) };
}
