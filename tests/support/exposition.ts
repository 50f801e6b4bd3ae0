// Reads the Prometheus text exposition of /metrics into series, to count them and inspect label values
// (the service's tests and the resilience harness alike).

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

export function parseExposition(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (!label) throw new Error(`unparseable labels: ${JSON.stringify(labelText)}`);
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    series.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return series;
}

/** A stable identity for a series: its name and sorted labels. */
export function seriesKey(series: Series): string {
  const labels = Object.keys(series.labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(series.labels[key])}`)
    .join(',');
  return `${series.name}{${labels}}`;
}

export function labelValues(series: readonly Series[], namePrefix: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const entry of series) {
    const value = entry.labels[label];
    if (entry.name.startsWith(namePrefix) && value !== undefined) values.add(value);
  }
  return values;
}

export function sampleValue(series: readonly Series[], name: string): number | undefined {
  return series.find((entry) => entry.name === name)?.value;
}
