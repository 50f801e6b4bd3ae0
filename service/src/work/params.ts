import { InvalidWorkParameter } from './errors';

export interface WorkParams {
  /** Simulated latency before the work, in milliseconds. */
  readonly latencyMs: number;
  /** Probability in [0, 1] that the request fails on purpose. */
  readonly errorRate: number;
  /** Units of CPU work (hashing rounds). */
  readonly size: number;
}

export const WORK_LIMITS = {
  latencyMs: { min: 0, max: 5_000, default: 0 },
  errorRate: { min: 0, max: 1, default: 0 },
  size: { min: 1, max: 100_000, default: 100 },
} as const;

const PARAMETER_NAMES = ['latency_ms', 'error_rate', 'size'] as const;
type ParameterName = (typeof PARAMETER_NAMES)[number];
const KNOWN: ReadonlySet<string> = new Set(PARAMETER_NAMES);

/** Raw values by parameter name: query-string text, or JSON values from a body. */
export type RawParams = ReadonlyMap<string, unknown>;

const INTEGER = /^\d{1,10}$/;
const DECIMAL = /^\d{1,10}(\.\d{1,17})?$/;

function integer(raw: RawParams, name: ParameterName, limits: { min: number; max: number; default: number }): number {
  const value = raw.get(name);
  if (value === undefined) return limits.default;
  const parsed = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < limits.min || parsed > limits.max) {
    throw new InvalidWorkParameter(name, `an integer from ${limits.min} to ${limits.max}`);
  }
  return parsed;
}

function decimal(raw: RawParams, name: ParameterName, limits: { min: number; max: number; default: number }): number {
  const value = raw.get(name);
  if (value === undefined) return limits.default;
  const parsed = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < limits.min || parsed > limits.max) {
    throw new InvalidWorkParameter(name, `a number from ${limits.min} to ${limits.max}`);
  }
  return parsed;
}

/** Validates /api/work's parameters; the error names the first bad one. */
export function parseWorkParams(raw: RawParams): WorkParams {
  for (const name of raw.keys()) {
    if (!KNOWN.has(name)) throw new InvalidWorkParameter(name.slice(0, 64), `one of ${PARAMETER_NAMES.join(', ')}`);
  }
  return {
    latencyMs: integer(raw, 'latency_ms', WORK_LIMITS.latencyMs),
    errorRate: decimal(raw, 'error_rate', WORK_LIMITS.errorRate),
    size: integer(raw, 'size', WORK_LIMITS.size),
  };
}

/** Query-string parameters; a repeated parameter is ambiguous and rejected. */
export function paramsFromQuery(search: URLSearchParams): RawParams {
  const raw = new Map<string, string>();
  for (const [name, value] of search) {
    if (raw.has(name)) throw new InvalidWorkParameter(name.slice(0, 64), 'given at most once');
    raw.set(name, value);
  }
  return raw;
}

/** JSON-body parameters: the body is an object and its values are JSON numbers, not text. */
export function paramsFromBody(body: unknown): RawParams {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidWorkParameter('body', 'a JSON object');
  }
  const raw = new Map(Object.entries(body));
  for (const [name, value] of raw) {
    if (typeof value !== 'number') throw new InvalidWorkParameter(name.slice(0, 64), 'a JSON number');
  }
  return raw;
}
