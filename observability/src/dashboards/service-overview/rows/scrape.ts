// The scrape's own series, where that Prometheus records them.
import { timeseries, type Row } from '../panels';
import type { Sources } from '../sources';

export function scrapeRow({ service }: Sources): Row {
  return {
    title: 'Scrape health',
    panels: [
      timeseries('Target up', '1 when Prometheus scraped the instance, 0 when the scrape failed.', 'none', [{ expr: `up{${service}}`, legend: '{{instance}}' }])
        .span(8)
        .max(1),
      timeseries('Scrape duration', 'Time Prometheus took to scrape /metrics, by instance.', 's', [
        { expr: `scrape_duration_seconds{${service}}`, legend: '{{instance}}' },
      ]).span(8),
      timeseries('Samples per scrape', 'Samples in each /metrics page: growth here means growing label cardinality.', 'short', [
        { expr: `scrape_samples_scraped{${service}}`, legend: '{{instance}}' },
      ]).span(8),
    ],
  };
}
