import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from './config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

// In-process parsing only: that a bad value stops the real process with one line and exit 2 is
// proven once, for every variable, by tests/resilience/config-faults.test.ts.
const parsing = suite('config parsing');

parsing('defaults', () => {
  const config = loadConfig({});
  assert.equal(
    { ...config, appVersion: undefined },
    {
      port: 8080,
      metricsPort: undefined,
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

parsing('METRICS_PORT: unset by default, an integer 1-65535 when set, never the same as PORT', () => {
  assert.is(loadConfig({ METRICS_PORT: '' }).metricsPort, undefined);
  assert.is(loadConfig({ METRICS_PORT: '9464' }).metricsPort, 9464);
  assert.is(loadConfig({ PORT: '0', METRICS_PORT: '9464' }).metricsPort, 9464);
  for (const bad of ['0', '65536', 'abc', '9464.0', '-1']) {
    const err = configError({ METRICS_PORT: bad });
    assert.is(err.variable, 'METRICS_PORT', bad);
    assert.match(err.message, 'METRICS_PORT must be an integer from 1 to 65535', bad);
  }
  const same = configError({ PORT: '9464', METRICS_PORT: '9464' });
  assert.is(same.variable, 'METRICS_PORT');
  assert.is(same.message, 'METRICS_PORT must be different from PORT (9464); got "9464"');
  assert.is(configError({ METRICS_PORT: '8080' }).variable, 'METRICS_PORT', 'the default PORT counts too');
});

parsing('shutdown: the drain delay ends before the deadline', () => {
  assert.is(configError({ SHUTDOWN_DELAY_MS: '20000' }).variable, 'SHUTDOWN_DELAY_MS');
});

parsing.run();

const variables = suite('CONFIG_VARIABLES, the list tests and docs read');

/** Config property of each variable, to compare the documented defaults with what loadConfig does. */
const PROPERTY: Readonly<Record<string, keyof Config>> = {
  PORT: 'port',
  METRICS_PORT: 'metricsPort',
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
    // An unset optional variable has no value, only a sentence saying what unset means.
    if (name === 'METRICS_PORT') {
      assert.is(defaults.metricsPort, undefined);
      assert.match(documented, /^unset: /);
      continue;
    }
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
