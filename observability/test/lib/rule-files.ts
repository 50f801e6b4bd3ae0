// The rule files and promtool rule-test files, parsed, for tests that check their conventions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { LOCAL_RULES_DIR, RULE_TESTS_DIR, RULES_DIR } from './paths';

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
  exp_alerts?: { exp_labels?: Record<string, string> }[];
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

/** Every rule file Prometheus loads locally: the shipped ones, then the local-only ones. */
export const ruleFilePaths = (): string[] => [...yamlFiles(RULES_DIR), ...yamlFiles(LOCAL_RULES_DIR)];
export const ruleTestFilePaths = (): string[] => yamlFiles(RULE_TESTS_DIR);

export function ruleGroups(): RuleFile['groups'] {
  return ruleFilePaths().flatMap((path) => (parse(readFileSync(path, 'utf8')) as RuleFile).groups);
}

export function rules(): Rule[] {
  return ruleGroups().flatMap((group) => group.rules);
}

export function ruleTestFiles(): RuleTestFile[] {
  return ruleTestFilePaths().map((path) => parse(readFileSync(path, 'utf8')) as RuleTestFile);
}
