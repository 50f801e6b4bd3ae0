// Configuration faults, in the real process: every configuration variable with a bad value stops
// the real process at start-up, with one line naming the variable and exit code 2, instead of
// serving with a default. service/src/main.test.ts checks the same in-process and config.test.ts
// the parsing; this is the built entry point. (The container side is in stack-faults.test.ts.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordFigures } from './lib/figures';
import { describeExit, runToExit, type RunResult } from '../support/service-process';
import { CONFIG_VARIABLES } from '../../service/src/config';

/**
 * Bad values per variable, checked against the service's own list of its variables
 * (CONFIG_VARIABLES, see the first test): a new variable without bad values here fails the suite.
 */
const BAD_VALUES: Record<string, ReadonlyArray<Record<string, string>>> = {
  PORT: [{ PORT: 'abc' }, { PORT: '70000' }, { PORT: '-1' }, { PORT: '8080.5' }],
  METRICS_PORT: [{ METRICS_PORT: '0' }, { METRICS_PORT: 'metrics' }, { METRICS_PORT: '65536' }, { PORT: '9464', METRICS_PORT: '9464' }],
  HOST: [{ HOST: 'not a host' }, { HOST: 'host;reboot' }],
  METRICS_HOST: [{ METRICS_PORT: '9464', METRICS_HOST: '[::1]' }, { METRICS_HOST: '127.0.0.1' }],
  LOG_LEVEL: [{ LOG_LEVEL: 'loud' }, { LOG_LEVEL: 'INFO' }],
  SHUTDOWN_DELAY_MS: [{ SHUTDOWN_DELAY_MS: 'soon' }, { SHUTDOWN_DELAY_MS: '-1' }, { SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }],
  SHUTDOWN_TIMEOUT_MS: [{ SHUTDOWN_TIMEOUT_MS: 'never' }, { SHUTDOWN_TIMEOUT_MS: '0' }],
  KEEP_ALIVE_TIMEOUT_MS: [{ KEEP_ALIVE_TIMEOUT_MS: '1e3' }, { KEEP_ALIVE_TIMEOUT_MS: '0' }],
  HEADERS_TIMEOUT_MS: [{ HEADERS_TIMEOUT_MS: 'x' }, { HEADERS_TIMEOUT_MS: '1000', KEEP_ALIVE_TIMEOUT_MS: '1000' }],
  REQUEST_TIMEOUT_MS: [{ REQUEST_TIMEOUT_MS: '30s' }, { REQUEST_TIMEOUT_MS: '0' }, { REQUEST_TIMEOUT_MS: '60000' }],
  APP_VERSION: [{ APP_VERSION: '1.0 beta' }, { APP_VERSION: 'x'.repeat(200) }],
  GIT_REVISION: [{ GIT_REVISION: 'abc def' }, { GIT_REVISION: '"quoted"' }],
};

/** A bad value must stop the process well before this; reaching it means the service started anyway. */
const START_UP_LIMIT_MS = 15_000;
const PARALLEL = 4;

const configFaults = suite('configuration faults stop start-up with one clear line');

configFaults('the table covers every variable the service reads', () => {
  assert.equal(Object.keys(BAD_VALUES).sort(), CONFIG_VARIABLES.map((variable) => variable.name).sort());
});

configFaults('every variable with a bad value: exit code 2 and one line naming it', async () => {
  const cases = Object.entries(BAD_VALUES).flatMap(([variable, envs]) => envs.map((env) => ({ variable, env })));
  const outcomes: Array<{ variable: string; env: Record<string, string>; run: RunResult }> = [];
  for (let index = 0; index < cases.length; index += PARALLEL) {
    const batch = cases.slice(index, index + PARALLEL);
    outcomes.push(...(await Promise.all(batch.map(async (c) => ({ ...c, run: await runToExit(c.env, START_UP_LIMIT_MS) })))));
  }

  recordFigures('5 configuration faults: process', {
    cases: outcomes.length,
    variables: Object.keys(BAD_VALUES).length,
    examples: Object.fromEntries(
      outcomes
        .filter((_, index) => index % 3 === 0)
        .map(({ env, run }) => [JSON.stringify(env), `${describeExit(run.exit)}: ${run.output.trim()}`]),
    ),
  });

  for (const { variable, env, run } of outcomes) {
    const label = JSON.stringify(env);
    assert.not.ok(run.timedOut, `${label}: the service was still running after ${START_UP_LIMIT_MS} ms:\n${run.output}`);
    assert.is(run.exit.code, 2, `${label}: ${describeExit(run.exit)}`);
    const lines = run.output.split('\n').filter((line) => line.trim() !== '');
    assert.is(lines.length, 1, `${label}: expected one line, got ${lines.length}:\n${run.output}`);
    assert.ok(
      lines[0]?.startsWith(`configuration error: ${variable} must be `),
      `${label}: the line does not start by naming ${variable}: ${lines[0] ?? ''}`,
    );
  }
});

configFaults.run();
