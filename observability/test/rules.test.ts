// Conventions of the rule files that promtool does not check: what an on-call engineer relies on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './support/paths';
import { rules, ruleTestFiles, seconds, type AlertExpectation } from './support/rule-files';

const alerts = () => rules().filter((rule) => rule.alert !== undefined);
const recordings = () => rules().filter((rule) => rule.record !== undefined);

/** GitLab's and GitHub's anchor for a Markdown heading. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const conventions = suite('alert and recording rules');

conventions('there are alerts and recording rules to check', () => {
  assert.ok(alerts().length > 0);
  assert.ok(recordings().length > 0);
});

conventions('alerts have a CamelCase name, a for: in minutes, a severity and the three annotations', () => {
  for (const rule of alerts()) {
    assert.match(rule.alert ?? '', /^(?:[A-Z][a-z0-9]*)+$/, `${rule.alert}: not CamelCase`);
    assert.match(rule.for ?? '', /^\d+m$/, `${rule.alert}: for: should be whole minutes`);
    assert.ok(['critical', 'warning', 'info'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
    for (const key of ['summary', 'description', 'runbook_url']) {
      assert.ok((rule.annotations?.[key] ?? '').trim() !== '', `${rule.alert}: annotation ${key} missing`);
    }
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

conventions('every alert has a promtool test of both sides of its for: boundary', () => {
  const files = ruleTestFiles();
  for (const rule of alerts()) {
    // A test where the alert fires at T and is expected quiet at the evaluation before T: it
    // proves the rule waits out its for: and then fires, not just one or the other.
    const proven = files.some((file) => {
      const step = seconds(file.evaluation_interval ?? '1m');
      return file.tests.some((test) => {
        const own = (test.alert_rule_test ?? []).filter((check) => check.alertname === rule.alert);
        const at = (check: AlertExpectation) => seconds(check.eval_time);
        const quietAt = new Set(own.filter((check) => (check.exp_alerts ?? []).length === 0).map(at));
        return own.some((check) => (check.exp_alerts ?? []).length > 0 && quietAt.has(at(check) - step));
      });
    });
    assert.ok(proven, `${rule.alert}: no test expects it quiet one evaluation before it fires`);
  }
});

conventions.run();
