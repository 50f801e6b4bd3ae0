// The rule files and promtool rule-test files, parsed, for tests that check their conventions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RULE_TESTS_DIR, RULES_DIR } from './paths';

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}

export interface AlertExpectation {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}

export interface RuleTestFile {
  rule_files: string[];
  evaluation_interval?: string;
  tests: { name: string; interval?: string; alert_rule_test?: AlertExpectation[] }[];
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export const ruleFilePaths = (): string[] => yamlFiles(RULES_DIR);
export const ruleTestFilePaths = (): string[] => yamlFiles(RULE_TESTS_DIR);

export function rules(): Rule[] {
  return ruleFilePaths().flatMap((path) =>
    (parse(readFileSync(path, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules),
  );
}

export function ruleTestFiles(): RuleTestFile[] {
  return ruleTestFilePaths().map((path) => parse(readFileSync(path, 'utf8')) as RuleTestFile);
}

/** Prometheus durations as used here ("90s", "5m", "1h"), in seconds. */
export function seconds(duration: string): number {
  const match = /^(\d+)([smh])$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${JSON.stringify(duration)}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}
