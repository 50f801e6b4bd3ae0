// A test copy of a shipped prometheus.yml: the same rule files and jobs, scraping where the test
// runs them (loopback ports), at a fast interval, so a live test exercises the shipped config.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  alerting?: unknown;
  scrape_configs: {
    job_name: string;
    static_configs?: { targets: string[]; labels?: Record<string, string> }[];
    metric_relabel_configs?: { action: string; regex: string }[];
  }[];
}

export interface TestConfigOptions {
  /**
   * host:port each shipped job scrapes in the test, or null to leave the job out. Every job of
   * the shipped file must be named, so a job added there is a decision here, not a silent gap.
   */
  targets: Readonly<Record<string, string | null>>;
  /** Scrape interval, scrape timeout and rule evaluation interval, e.g. "1s". */
  interval: string;
  /** host:port of an Alertmanager to send alerts to; without one, alerts are sent nowhere. */
  alertmanager?: string;
  /** More rule files (absolute paths), such as a test-only rule. */
  extraRuleFiles?: readonly string[];
  /** false: load none of the shipped rule files (a Prometheus that evaluates no rules, as Fly's). */
  shippedRules?: boolean;
  /** Labels each job's target adds to every series it scrapes, by job (as Fly adds `app`). */
  targetLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Label names removed from every scraped series (a labeldrop), e.g. job where Fly has none. */
  dropLabels?: readonly string[];
}

export interface TestConfig {
  /** The YAML to write next to the test's data directory. */
  text: string;
  /** Folders the config reads rules from (to mount when Prometheus runs in Docker). */
  ruleDirs: string[];
}

export function testPrometheusConfig(shippedFile: string, options: TestConfigOptions): TestConfig {
  const shipped = parse(readFileSync(shippedFile, 'utf8')) as PrometheusConfig;
  const jobs = shipped.scrape_configs.map((job) => job.job_name);
  const unnamed = jobs.filter((job) => !(job in options.targets));
  const unknown = Object.keys(options.targets).filter((job) => !jobs.includes(job));
  if (unnamed.length > 0 || unknown.length > 0) {
    throw new Error(
      `${shippedFile} scrapes jobs [${jobs.join(', ')}]; the test names [${Object.keys(options.targets).join(', ')}]: say where each one scrapes (or null)`,
    );
  }
  // Relative to the shipped file, as Prometheus resolves them, so the copy loads the same rules.
  const ruleFiles = [
    ...(options.shippedRules === false ? [] : (shipped.rule_files ?? [])).map((pattern) => path.resolve(path.dirname(shippedFile), pattern)),
    ...(options.extraRuleFiles ?? []),
  ];
  const config: PrometheusConfig = {
    ...shipped,
    global: {
      ...shipped.global,
      scrape_interval: options.interval,
      scrape_timeout: options.interval,
      evaluation_interval: options.interval,
    },
    rule_files: ruleFiles,
    alerting:
      options.alertmanager === undefined ? undefined : { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] },
    scrape_configs: shipped.scrape_configs.flatMap((job) => {
      const target = options.targets[job.job_name];
      if (target === null || target === undefined) return [];
      const labels = options.targetLabels?.[job.job_name];
      const dropped = options.dropLabels ?? [];
      return [
        {
          ...job,
          static_configs: [{ targets: [target], ...(labels ? { labels: { ...labels } } : {}) }],
          ...(dropped.length > 0
            ? { metric_relabel_configs: [...(job.metric_relabel_configs ?? []), { action: 'labeldrop', regex: dropped.join('|') }] }
            : {}),
        },
      ];
    }),
  };
  return { text: stringify(config), ruleDirs: [...new Set(ruleFiles.map((file) => path.dirname(file)))] };
}
