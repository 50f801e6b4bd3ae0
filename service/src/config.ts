import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
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

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const found = allowed.find((candidate) => candidate === raw);
  if (found === undefined) throw new ConfigError(name, `one of ${allowed.join(', ')}`, raw);
  return found;
}

function text(env: Env, name: string, fallback: string, pattern: RegExp, accepts: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new ConfigError(name, accepts, raw);
  return raw;
}

function packageVersion(): string {
  // dist/config.js and src/config.ts both sit one level below package.json.
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

const DAY_MS = 86_400_000;
const LABEL_VALUE = /^[\w.+:/-]{1,128}$/;

/** Reads and validates the environment once; the result is frozen and injected as a value. */
export function loadConfig(env: Env): Config {
  const config: Config = {
    port: integer(env, 'PORT', 8080, 0, 65_535),
    host: text(env, 'HOST', '0.0.0.0', /^[\w.:[\]-]{1,253}$/, 'a host name or IP address'),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', 5_000, 0, 600_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 1, 600_000),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 1, DAY_MS),
    headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', 66_000, 1, DAY_MS),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1, DAY_MS),
    appVersion: text(env, 'APP_VERSION', packageVersion(), LABEL_VALUE, '1-128 characters of [A-Za-z0-9_.+:/-]'),
    gitRevision: text(env, 'GIT_REVISION', 'unknown', LABEL_VALUE, '1-128 characters of [A-Za-z0-9_.+:/-]'),
  };
  if (config.shutdownDelayMs >= config.shutdownTimeoutMs) {
    throw new ConfigError(
      'SHUTDOWN_DELAY_MS',
      `less than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs})`,
      String(config.shutdownDelayMs),
    );
  }
  if (config.headersTimeoutMs <= config.keepAliveTimeoutMs) {
    throw new ConfigError(
      'HEADERS_TIMEOUT_MS',
      `greater than KEEP_ALIVE_TIMEOUT_MS (${config.keepAliveTimeoutMs})`,
      String(config.headersTimeoutMs),
    );
  }
  return Object.freeze(config);
}
