import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from './config';
import { exitCode, spawnService } from './testing/process';

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
      requestTimeoutMs: 30_000,
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

parsing('the error names the variable and what it accepts', () => {
  assert.throws(() => loadConfig({ PORT: '80a' }), (err: unknown) => err instanceof ConfigError && err.variable === 'PORT' && /integer from 0 to 65535/.test(err.message));
});

parsing.run();

const startup = suite('bad configuration stops the process with one line');

const BAD: Readonly<Record<string, string>> = {
  PORT: 'eighty',
  HOST: 'a host',
  LOG_LEVEL: 'loud',
  SHUTDOWN_DELAY_MS: '-1',
  SHUTDOWN_TIMEOUT_MS: '0',
  KEEP_ALIVE_TIMEOUT_MS: '1.5',
  HEADERS_TIMEOUT_MS: '1000',
  REQUEST_TIMEOUT_MS: '30s',
  APP_VERSION: 'v 1',
  GIT_REVISION: '$(id)',
};

startup('every variable, one child process each', async () => {
  await Promise.all(
    Object.entries(BAD).map(async ([variable, value]) => {
      const child = spawnService({ [variable]: value });
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
