import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from './config';
import { exitCode, spawnService } from './testing/process';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

const parsing = suite('config parsing');

parsing('defaults', () => {
  const config = loadConfig({});
  assert.equal(
    { ...config, appVersion: undefined },
    {
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      shutdownDelayMs: 5_000,
      shutdownTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 66_000,
      requestTimeoutMs: 90_000,
      appVersion: undefined,
      gitRevision: 'unknown',
    },
  );
  assert.match(config.appVersion, /^\d+\.\d+\.\d+/);
  assert.ok(Object.isFrozen(config));
});

parsing('values from the environment', () => {
  const config = loadConfig({ PORT: '9000', LOG_LEVEL: 'debug', APP_VERSION: '1.2.3', GIT_REVISION: 'abc123' });
  assert.is(config.port, 9000);
  assert.is(config.logLevel, 'debug');
  assert.is(config.appVersion, '1.2.3');
  assert.is(config.gitRevision, 'abc123');
});

parsing('HOST: an IPv6 address bare, not in URL brackets that listen() cannot use', () => {
  assert.is(loadConfig({ HOST: '::1' }).host, '::1');
  assert.is(configError({ HOST: '[::1]' }).variable, 'HOST');
});

parsing('the error names the variable and what it accepts', () => {
  assert.throws(() => loadConfig({ PORT: '80a' }), (err: unknown) => err instanceof ConfigError && err.variable === 'PORT' && /integer from 0 to 65535/.test(err.message));
});

parsing('timeouts: keep-alive < headers <= request, or start-up names the one out of order', () => {
  const headersNotAboveKeepAlive = configError({ KEEP_ALIVE_TIMEOUT_MS: '70000', HEADERS_TIMEOUT_MS: '70000' });
  assert.is(headersNotAboveKeepAlive.variable, 'HEADERS_TIMEOUT_MS');
  assert.match(headersNotAboveKeepAlive.message, 'greater than KEEP_ALIVE_TIMEOUT_MS (70000)');

  // Alone, a headers timeout above the default request timeout is the combination Node would ignore.
  const requestBelowHeaders = configError({ HEADERS_TIMEOUT_MS: '120000' });
  assert.is(requestBelowHeaders.variable, 'REQUEST_TIMEOUT_MS');
  assert.match(requestBelowHeaders.message, 'at least HEADERS_TIMEOUT_MS (120000)');

  const equal = loadConfig({ HEADERS_TIMEOUT_MS: '90000', REQUEST_TIMEOUT_MS: '90000' });
  assert.is(equal.requestTimeoutMs, equal.headersTimeoutMs);
});

parsing('shutdown: the drain delay ends before the deadline', () => {
  assert.is(configError({ SHUTDOWN_DELAY_MS: '20000' }).variable, 'SHUTDOWN_DELAY_MS');
});

parsing.run();

const variables = suite('CONFIG_VARIABLES, the list tests and docs read');

/** Config property of each variable, to compare the documented defaults with what loadConfig does. */
const PROPERTY: Readonly<Record<string, keyof Config>> = {
  PORT: 'port',
  HOST: 'host',
  LOG_LEVEL: 'logLevel',
  SHUTDOWN_DELAY_MS: 'shutdownDelayMs',
  SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  APP_VERSION: 'appVersion',
  GIT_REVISION: 'gitRevision',
};

variables('one entry per Config property, each read from its variable', () => {
  assert.equal(CONFIG_VARIABLES.map(({ name }) => name).sort(), Object.keys(PROPERTY).sort());
  assert.equal(Object.values(PROPERTY).sort(), Object.keys(loadConfig({})).sort());
});

variables('the documented defaults are the defaults', () => {
  const defaults = loadConfig({});
  for (const { name, default: documented } of CONFIG_VARIABLES) {
    if (name === 'APP_VERSION') continue;
    assert.is(String(defaults[PROPERTY[name] as keyof Config]), documented, name);
  }
});

variables('a value it does not accept fails with the documented "accepts"', () => {
  for (const { name, accepts } of CONFIG_VARIABLES) {
    const err = configError({ [name]: 'not valid!' });
    assert.is(err.variable, name);
    assert.ok(err.message.startsWith(`${name} must be ${accepts}; got `), err.message);
  }
});

variables.run();

const startup = suite('bad configuration stops the process with one line');

/** The variable the line must name, and the environment that is wrong about it. */
const BAD: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]> = [
  ['PORT', { PORT: 'eighty' }],
  ['HOST', { HOST: 'a host' }],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ['SHUTDOWN_DELAY_MS', { SHUTDOWN_DELAY_MS: '-1' }],
  ['SHUTDOWN_TIMEOUT_MS', { SHUTDOWN_TIMEOUT_MS: '0' }],
  ['KEEP_ALIVE_TIMEOUT_MS', { KEEP_ALIVE_TIMEOUT_MS: '1.5' }],
  ['HEADERS_TIMEOUT_MS', { HEADERS_TIMEOUT_MS: '1000' }],
  ['REQUEST_TIMEOUT_MS', { REQUEST_TIMEOUT_MS: '30s' }],
  ['REQUEST_TIMEOUT_MS', { REQUEST_TIMEOUT_MS: '30000' }],
  ['APP_VERSION', { APP_VERSION: 'v 1' }],
  ['GIT_REVISION', { GIT_REVISION: '$(id)' }],
];

startup('every variable, one child process each', async () => {
  await Promise.all(
    BAD.map(async ([variable, env]) => {
      const child = spawnService(env);
      let stderr = '';
      let stdout = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      const code = await exitCode(child, 10_000);
      assert.is(code, 2, `${variable}: ${stderr}`);
      const lines = stderr.trimEnd().split('\n');
      assert.is(lines.length, 1, `${variable}: ${stderr}`);
      assert.ok(lines[0]?.startsWith(`configuration error: ${variable} must be `), lines[0]);
      assert.is(stdout, '', `${variable}: nothing else is printed`);
    }),
  );
});

startup.run();
