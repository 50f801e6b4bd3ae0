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

parsing('defaults: the whole config a bare environment gets', () => {
  const config = loadConfig({});
  assert.equal(
    { ...config, appVersion: undefined },
    {
      port: 8080,
      metricsPort: undefined,
      host: '0.0.0.0',
      metricsHost: '0.0.0.0',
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

parsing('the default timeouts outlast an AWS load balancer and keep the drain inside the deadline', () => {
  const config = loadConfig({});
  // AWS ALB idle timeout: 60 s (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
  assert.ok(config.keepAliveTimeoutMs > 60_000, 'Node must not close a socket the load balancer still reuses');
  assert.ok(config.shutdownDelayMs < config.shutdownTimeoutMs);
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

parsing('METRICS_HOST: HOST\'s value by default, its own address when set, only with METRICS_PORT', () => {
  assert.is(loadConfig({ HOST: '::', METRICS_PORT: '9464' }).metricsHost, '::');
  assert.is(loadConfig({ HOST: '::', METRICS_PORT: '9464', METRICS_HOST: '' }).metricsHost, '::', 'empty reads as unset');
  const both = loadConfig({ HOST: '0.0.0.0', METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' });
  assert.equal([both.host, both.metricsHost], ['0.0.0.0', '127.0.0.1']);
  assert.is(configError({ METRICS_PORT: '9464', METRICS_HOST: '[::1]' }).variable, 'METRICS_HOST');
  assert.is(configError({ HOST: '127.0.0.1', METRICS_HOST: '127.0.0.1' }).variable, 'METRICS_HOST', 'even equal to HOST, it means nothing without METRICS_PORT');
  const alone = configError({ METRICS_HOST: '127.0.0.1' });
  assert.is(alone.message, 'METRICS_HOST must be unset while METRICS_PORT is unset (/metrics is then served on HOST:PORT); got "127.0.0.1"');
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

variables('each listed variable moves its own setting and no other', () => {
  // A value each variable accepts and that differs from its default (METRICS_HOST needs METRICS_PORT).
  const changed: Readonly<Record<string, string>> = {
    PORT: '9000',
    METRICS_PORT: '9465',
    HOST: '127.0.0.1',
    METRICS_HOST: '::1',
    LOG_LEVEL: 'debug',
    SHUTDOWN_DELAY_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '30000',
    KEEP_ALIVE_TIMEOUT_MS: '61000',
    HEADERS_TIMEOUT_MS: '67000',
    REQUEST_TIMEOUT_MS: '95000',
    APP_VERSION: '9.9.9',
    GIT_REVISION: 'abc123',
  };
  assert.equal(CONFIG_VARIABLES.map(({ name }) => name).sort(), Object.keys(changed).sort());
  const defaults = loadConfig({});
  const base = { METRICS_PORT: '9464' };
  const reference = loadConfig(base);
  for (const { name } of CONFIG_VARIABLES) {
    const config = loadConfig({ ...base, [name]: changed[name] ?? '' });
    const differing = (Object.keys(config) as Array<keyof Config>).filter((key) => config[key] !== reference[key]);
    // HOST also moves METRICS_HOST, which follows it when unset.
    assert.ok(differing.length >= 1 && differing.length <= (name === 'HOST' ? 2 : 1), `${name}: ${differing.join(', ')}`);
  }
  assert.is(defaults.metricsPort, undefined);
});

variables('a documented default, set explicitly, changes nothing', () => {
  const unset = loadConfig({});
  for (const { name, default: documented } of CONFIG_VARIABLES) {
    // These three document a sentence, not a value.
    if (['APP_VERSION', 'METRICS_PORT', 'METRICS_HOST'].includes(name)) continue;
    assert.equal(loadConfig({ [name]: documented }), unset, name);
  }
});

variables('a value it does not accept fails with the documented "accepts"', () => {
  for (const { name, accepts } of CONFIG_VARIABLES) {
    const err = configError({ METRICS_PORT: '9464', [name]: 'not valid!' });
    assert.is(err.variable, name);
    assert.ok(err.message.startsWith(`${name} must be ${accepts}; got `), err.message);
  }
});

variables.run();
