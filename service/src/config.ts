import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly port: number;
  /** Port of the listener that alone serves /metrics (same host); undefined: /metrics is on `port`. */
  readonly metricsPort: number | undefined;
  readonly host: string;
  /** Address of the metrics listener (METRICS_PORT); HOST's value unless METRICS_HOST says otherwise. */
  readonly metricsHost: string;
  readonly logLevel: LogLevel;
  /** Readiness reports 503 for this long before the server stops accepting connections. */
  readonly shutdownDelayMs: number;
  /** Hard deadline from the signal to process exit. */
  readonly shutdownTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly appVersion: string;
  readonly gitRevision: string;
}

/** A bad environment variable: the message is the one line start-up prints. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    accepts: string,
    value: string,
  ) {
    super(`${variable} must be ${accepts}; got ${JSON.stringify(value.slice(0, 64))}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** One environment variable: how it reads, what it accepts and its default, for code and docs alike. */
interface Variable<T> {
  readonly description: string;
  readonly accepts: string;
  /** The default as a person reads it. */
  readonly defaultText: string;
  readonly fallback: () => T;
  /** The parsed value, or undefined when `raw` is not acceptable. */
  readonly parse: (raw: string) => T | undefined;
}

function integer(fallback: number, min: number, max: number, description: string): Variable<number> {
  return {
    description,
    accepts: `an integer from ${min} to ${max}`,
    defaultText: String(fallback),
    fallback: () => fallback,
    parse: (raw) => {
      const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
      return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
    },
  };
}

/** A value whose default is another variable's value: unset reads as undefined here and is filled in by loadConfig. */
function sameAs<T>(variable: Variable<T>, other: string, description: string): Variable<T | undefined> {
  return { ...variable, description, defaultText: `the value of ${other}`, fallback: () => undefined };
}

/** An integer with no default: unset means the feature is off. */
function optionalInteger(min: number, max: number, defaultText: string, description: string): Variable<number | undefined> {
  return { ...integer(0, min, max, description), defaultText, fallback: () => undefined };
}

function oneOf<T extends string>(fallback: T, allowed: readonly T[], description: string): Variable<T> {
  return {
    description,
    accepts: `one of ${allowed.join(', ')}`,
    defaultText: fallback,
    fallback: () => fallback,
    parse: (raw) => allowed.find((candidate) => candidate === raw),
  };
}

function text(fallback: () => string, defaultText: string, pattern: RegExp, accepts: string, description: string): Variable<string> {
  return { description, accepts, defaultText, fallback, parse: (raw) => (pattern.test(raw) ? raw : undefined) };
}

function packageVersion(): string {
  // dist/config.js and src/config.ts both sit one level below package.json.
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

const DAY_MS = 86_400_000;
const LABEL_VALUE = /^[\w.+:/-]{1,128}$/;
const LABEL_ACCEPTS = '1-128 characters of [A-Za-z0-9_.+:/-]';

// No brackets: listen() takes "::1", and looks "[::1]" up as a host name that does not exist.
const HOST = text(() => '0.0.0.0', '0.0.0.0', /^[\w.:-]{1,253}$/, 'a host name or IP address', 'address to listen on; an IPv6 address without brackets (::1)');

/** Every variable the service reads. The timeouts keep KEEP_ALIVE < HEADERS <= REQUEST (checked below). */
const VARIABLES = {
  PORT: integer(8080, 0, 65_535, 'TCP port to listen on (0: any free port)'),
  METRICS_PORT: optionalInteger(
    1,
    65_535,
    'unset: /metrics is served on PORT',
    'when set, /metrics is served only by a second listener on METRICS_HOST:METRICS_PORT (must differ from PORT) and every spelling of it on PORT is a 404; the cloud and Fly set 9464',
  ),
  HOST,
  METRICS_HOST: sameAs(
    HOST,
    'HOST',
    'address the METRICS_PORT listener binds, only with METRICS_PORT set; 127.0.0.1 keeps /metrics to the host or task (the ECS task definition sets it, its collector scrapes over the shared loopback)',
  ),
  LOG_LEVEL: oneOf('info', LOG_LEVELS, 'lowest level logged (JSON lines on stdout)'),
  SHUTDOWN_DELAY_MS: integer(5_000, 0, 600_000, 'after SIGTERM/SIGINT, how long /ready answers 503 before the server stops accepting; less than SHUTDOWN_TIMEOUT_MS'),
  SHUTDOWN_TIMEOUT_MS: integer(20_000, 1, 600_000, "hard deadline from the signal to exit, SHUTDOWN_DELAY_MS included; open connections are dropped then and the exit code is 1 (on ECS, the task's stopTimeout is this plus a margin)"),
  KEEP_ALIVE_TIMEOUT_MS: integer(65_000, 1, DAY_MS, 'idle keep-alive connections close after this; above a load balancer idle timeout (AWS ALB: 60 s)'),
  HEADERS_TIMEOUT_MS: integer(66_000, 1, DAY_MS, 'bound on receiving request headers; greater than KEEP_ALIVE_TIMEOUT_MS'),
  REQUEST_TIMEOUT_MS: integer(90_000, 1, DAY_MS, 'bound on receiving a whole request; at least HEADERS_TIMEOUT_MS'),
  APP_VERSION: text(packageVersion, 'the version in service/package.json', LABEL_VALUE, LABEL_ACCEPTS, 'version label of app_build_info (the image sets it)'),
  GIT_REVISION: text(() => 'unknown', 'unknown', LABEL_VALUE, LABEL_ACCEPTS, 'revision label of app_build_info (the image sets it)'),
} as const;

type VariableName = keyof typeof VARIABLES;
type ValueOf<N extends VariableName> = ReturnType<(typeof VARIABLES)[N]['fallback']>;

export interface ConfigVariable {
  readonly name: VariableName;
  readonly default: string;
  /** What a valid value looks like; the start-up error says the same. */
  readonly accepts: string;
  readonly description: string;
}

/** The variables, their defaults and accepted values: one source for tests and documentation. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  (Object.keys(VARIABLES) as VariableName[]).map((name) =>
    Object.freeze({ name, default: VARIABLES[name].defaultText, accepts: VARIABLES[name].accepts, description: VARIABLES[name].description }),
  ),
);

function read<N extends VariableName>(env: Env, name: N): ValueOf<N> {
  const variable = VARIABLES[name] as unknown as Variable<ValueOf<N>>;
  const raw = env[name];
  if (raw === undefined || raw === '') return variable.fallback();
  const value = variable.parse(raw);
  if (value === undefined) throw new ConfigError(name, variable.accepts, raw);
  return value;
}

/** A relation between two variables failed: the error names `name`, and says what it must be relative to `other`. */
function orderError(name: VariableName, relation: string, other: VariableName, bound: number, value: number): ConfigError {
  return new ConfigError(name, `${relation} ${other} (${bound})`, String(value));
}

/** Reads and validates the environment once; the result is frozen and injected as a value. */
export function loadConfig(env: Env): Config {
  const host = read(env, 'HOST');
  const metricsHost = read(env, 'METRICS_HOST');
  const config: Config = {
    port: read(env, 'PORT'),
    metricsPort: read(env, 'METRICS_PORT'),
    host,
    metricsHost: metricsHost ?? host,
    logLevel: read(env, 'LOG_LEVEL'),
    shutdownDelayMs: read(env, 'SHUTDOWN_DELAY_MS'),
    shutdownTimeoutMs: read(env, 'SHUTDOWN_TIMEOUT_MS'),
    keepAliveTimeoutMs: read(env, 'KEEP_ALIVE_TIMEOUT_MS'),
    headersTimeoutMs: read(env, 'HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: read(env, 'REQUEST_TIMEOUT_MS'),
    appVersion: read(env, 'APP_VERSION'),
    gitRevision: read(env, 'GIT_REVISION'),
  };
  // Without METRICS_PORT, /metrics is on HOST:PORT: an address meant for it alone would be silently ignored.
  if (config.metricsPort === undefined && metricsHost !== undefined) {
    throw new ConfigError('METRICS_HOST', 'unset while METRICS_PORT is unset (/metrics is then served on HOST:PORT)', metricsHost);
  }
  if (config.metricsPort === config.port) {
    throw new ConfigError('METRICS_PORT', `different from PORT (${config.port})`, String(config.metricsPort));
  }
  const { shutdownDelayMs, shutdownTimeoutMs, keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs } = config;
  if (shutdownDelayMs >= shutdownTimeoutMs) {
    throw orderError('SHUTDOWN_DELAY_MS', 'less than', 'SHUTDOWN_TIMEOUT_MS', shutdownTimeoutMs, shutdownDelayMs);
  }
  if (headersTimeoutMs <= keepAliveTimeoutMs) {
    throw orderError('HEADERS_TIMEOUT_MS', 'greater than', 'KEEP_ALIVE_TIMEOUT_MS', keepAliveTimeoutMs, headersTimeoutMs);
  }
  // Node applies the smaller of the two to headers (and its createServer() options refuse
  // headersTimeout > requestTimeout), so a larger headers timeout would silently never apply.
  if (requestTimeoutMs < headersTimeoutMs) {
    throw orderError('REQUEST_TIMEOUT_MS', 'at least', 'HEADERS_TIMEOUT_MS', headersTimeoutMs, requestTimeoutMs);
  }
  return Object.freeze(config);
}
