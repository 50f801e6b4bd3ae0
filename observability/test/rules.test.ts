// Conventions of the rule files that promtool does not check: what an on-call engineer relies on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './lib/paths';
import { seconds } from './lib/duration';
import { ruleFilePaths, rules, ruleTestFiles, type AlertExpectation, type Rule } from './lib/rule-files';
import { parse } from 'yaml';

const alerts = () => rules().filter((rule) => rule.alert !== undefined);
const recordings = () => rules().filter((rule) => rule.record !== undefined);

/** The alert that fires all the time by design: no `for:`, no severity that pages. */
const WATCHDOG = 'Watchdog';

/** GitLab's and GitHub's anchor for a Markdown heading. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A rule as on-call sees it: its name plus its own labels (several rules may share a name). */
function describeRule(rule: Rule): string {
  const own = Object.entries(rule.labels ?? {}).filter(([key]) => key !== 'severity');
  return own.length === 0 ? `${rule.alert}` : `${rule.alert}{${own.map(([key, value]) => `${key}="${value}"`).join(', ')}}`;
}

/** Whether an expectation lists an alert of this rule: same name, and the rule's labels on it. */
function expectsRule(check: AlertExpectation, rule: Rule): boolean {
  return (
    check.alertname === rule.alert &&
    (check.exp_alerts ?? []).some((alert) =>
      Object.entries(rule.labels ?? {}).every(([key, value]) => alert.exp_labels?.[key] === value),
    )
  );
}

const conventions = suite('alert and recording rules');

conventions('there are alerts and recording rules to check', () => {
  assert.ok(alerts().length > 0);
  assert.ok(recordings().length > 0);
});

conventions('alerts have a CamelCase name, a for: in minutes or hours, a severity and the three annotations', () => {
  for (const rule of alerts()) {
    assert.match(rule.alert ?? '', /^(?:[A-Z][a-z0-9]*)+$/, `${rule.alert}: not CamelCase`);
    if (rule.alert === WATCHDOG) {
      assert.is(rule.for, undefined, 'Watchdog fires from the first evaluation');
      assert.is(rule.labels?.severity, 'none', 'Watchdog pages no one');
    } else {
      assert.match(rule.for ?? '', /^\d+[mh]$/, `${describeRule(rule)}: for: should be whole minutes or hours`);
      assert.ok(['critical', 'warning', 'info'].includes(rule.labels?.severity ?? ''), `${describeRule(rule)}: severity`);
    }
    for (const key of ['summary', 'description', 'runbook_url']) {
      assert.ok((rule.annotations?.[key] ?? '').trim() !== '', `${describeRule(rule)}: annotation ${key} missing`);
    }
  }
});

conventions('rules that share an alert name differ in their labels, so each can be told apart and tested', () => {
  const seen = new Set<string>();
  for (const rule of alerts()) {
    const identity = `${describeRule(rule)} ${rule.labels?.severity}`;
    assert.not.ok(seen.has(identity), `two rules are both ${identity}`);
    seen.add(identity);
  }
});

conventions('every alert links a runbook that docs/runbooks.md has a heading for', () => {
  const runbooks = join(REPO_ROOT, 'docs', 'runbooks.md');
  const anchors = existsSync(runbooks)
    ? new Set([...readFileSync(runbooks, 'utf8').matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchor(match[1] ?? '')))
    : new Set<string>();
  for (const rule of alerts()) {
    const url = new URL(rule.annotations?.runbook_url ?? '');
    assert.ok(url.pathname.endsWith('/docs/runbooks.md'), `${rule.alert}: runbook_url should point into docs/runbooks.md`);
    assert.ok(anchors.has(url.hash.slice(1)), `${rule.alert}: docs/runbooks.md has no heading for ${url.hash}`);
  }
});

conventions('recording rules are named level:metric:operations', () => {
  for (const rule of recordings()) {
    assert.match(rule.record ?? '', /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/, `${rule.record}`);
  }
});

conventions('every alert rule has a promtool test of both sides of its for: boundary', () => {
  const files = ruleTestFiles();
  for (const rule of alerts()) {
    // A test where this very rule (name and labels) fires at T and is expected absent at the
    // evaluation before T: it proves the rule waits out its for: and then fires, not just one or
    // the other. Watchdog has no for:: it must be expected at the first evaluation.
    const proven = files.some((file) => {
      const step = seconds(file.evaluation_interval ?? '1m');
      return file.tests.some((test) => {
        const own = (test.alert_rule_test ?? []).filter((check) => check.alertname === rule.alert);
        const at = (check: AlertExpectation) => seconds(check.eval_time);
        const firing = own.filter((check) => expectsRule(check, rule)).map(at);
        if (rule.for === undefined) return firing.includes(0);
        const absent = new Set(own.filter((check) => !expectsRule(check, rule)).map(at));
        return firing.some((time) => absent.has(time - step));
      });
    });
    assert.ok(proven, `${describeRule(rule)}: no test expects it absent one evaluation before it fires`);
  }
});

/**
 * Whether a rule reads what only the local stack has: the series of its own Prometheus,
 * Alertmanager or black-box probes, or the targets of jobs other than the app's. Amazon Managed
 * Service for Prometheus, which loads rules/, has none of them.
 */
function readsLocalOnly(expr: string): boolean {
  return /\b(?:prometheus|alertmanager|probe)_[a-z_]+/.test(expr) || /\bup\{(?![^}]*\bjob="app")/.test(expr);
}

conventions('rules/ (loaded by AMP too) reads nothing AMP lacks; rules-local/ holds only what needs the local stack', () => {
  const inFolder = (folder: string) =>
    ruleFilePaths()
      .filter((path) => path.includes(`/${folder}/`))
      .flatMap((path) => (parse(readFileSync(path, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules));
  const shipped = inFolder('rules');
  const local = inFolder('rules-local');
  assert.ok(shipped.length > 0 && local.length > 0, 'no rules/*.yml or rules-local/*.yml');
  for (const rule of shipped) {
    assert.not.ok(readsLocalOnly(rule.expr), `${rule.alert ?? rule.record} reads what AMP lacks; it belongs in rules-local/: ${rule.expr}`);
  }
  for (const rule of local) {
    assert.ok(readsLocalOnly(rule.expr), `${rule.alert ?? rule.record} needs nothing local; it belongs in rules/, where AMP evaluates it too`);
  }
  // The dead man's switch must run where the pages run, AMP included.
  assert.ok(shipped.some((rule) => rule.alert === WATCHDOG), 'Watchdog is not in rules/');
});

conventions.run();
