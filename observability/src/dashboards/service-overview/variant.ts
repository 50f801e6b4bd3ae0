// Where a variant of the Service overview dashboard runs: what its Prometheus has besides the
// service's scraped series, and how long it keeps them.

export const SERVICE_OVERVIEW_UID = 'service-overview';
export const SERVICE_OVERVIEW_FLY_UID = 'service-overview-fly';

export interface Variant {
  uid: string;
  title: string;
  tags: string[];
  /** The label that names the service's series, and the dashboard variable of that name. */
  label: 'job' | 'app';
  /** Whether that Prometheus evaluates prometheus/rules/: recording rules, and alerts (ALERTS). */
  rules: boolean;
  /** Whether it records the scrape's own series (up, scrape_duration_seconds, scrape_samples_scraped). */
  scrapeSeries: boolean;
  /** The outside-in signal next to it: the local black-box probe, or Fly Proxy's own metrics. */
  outsideIn: 'blackbox-probe' | 'fly-proxy';
  /**
   * The window the error-budget panels cover, as a range selector and in words: the objectives'
   * 30 days where the data is kept that long, else all the data there is.
   */
  budgetWindow: { range: string; words: string };
}

/**
 * The local stack's Prometheus (35 days kept, docker-compose.yml) and Amazon Managed Service for
 * Prometheus (150 days): the rules run there.
 */
export const WITH_RULES: Variant = {
  uid: SERVICE_OVERVIEW_UID,
  title: 'Service overview',
  tags: ['service', 'red', 'nodejs'],
  label: 'job',
  rules: true,
  scrapeSeries: true,
  outsideIn: 'blackbox-probe',
  budgetWindow: { range: '30d', words: '30 days' },
};

/**
 * Fly.io's managed Prometheus: no rules, no alerts, series labelled app, region, host, instance and
 * no documented job or scrape series (docs/deploy-fly.md, from Fly's "Metrics on Fly.io"); it
 * keeps about 15 days, so the budget panels say that is all they cover.
 */
export const FLY: Variant = {
  uid: SERVICE_OVERVIEW_FLY_UID,
  title: 'Service overview (Fly.io)',
  tags: ['service', 'red', 'nodejs', 'fly'],
  label: 'app',
  rules: false,
  scrapeSeries: false,
  outsideIn: 'fly-proxy',
  budgetWindow: { range: '15d', words: 'last 15 days, all Fly keeps' },
};
