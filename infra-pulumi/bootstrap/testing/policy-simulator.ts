// For tests: IAM's evaluation of identity policies and a permissions boundary, for the parts these
// policies use, so a test reads "the deploy role can / cannot do X" instead of inspecting JSON.
// policy-simulator.test.ts pins each rule below to the AWS page that states it; where credentials
// exist, `npm run test:iam-aws` puts the same requests through IAM's own SimulateCustomPolicy.
//   - an explicit Deny in any policy wins; otherwise the request needs an Allow in the identity
//     policies AND, when there is one, in the boundary (the boundary grants nothing by itself);
//   - Action / NotAction match case-insensitively with * and ?;
//   - Resource / NotResource match case-sensitively, segment by segment: a * inside an ARN segment
//     stays in it, a * that ends a segment may run past colons;
//   - condition key names are case-insensitive; operators AND together, keys AND together, the
//     values of one key OR together;
//   - a key missing from the request fails every positive operator, satisfies every negated one
//     (StringNotEquals, ArnNotLike, …) and every `…IfExists`; `Null` tests presence;
//   - ForAllValues holds when every request value matches (also when there are none), ForAnyValue
//     when at least one does.
import { type PolicyDocument, type PolicyStatement } from '../trust';

export interface SimulatedRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context: aws:RequestTag/…, aws:ResourceTag/…, iam:PermissionsBoundary, … */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

const escape = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** IAM's StringLike: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = escape(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/**
 * An ARN pattern against an ARN (Resource, NotResource and the Arn* operators): the five
 * colon-separated segments before the resource are matched one by one; a `*` or `?` stays inside
 * its segment, except a `*` that is the last character of a segment, which may run past colons.
 */
export function arnMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const segments = pattern.split(':');
  const source = segments.map((segment) => {
    const parts = escape(segment).replace(/\?/g, '[^:]').split('*');
    const last = parts.pop() ?? '';
    // Every * but a trailing one stays in the segment.
    return segment.endsWith('*') ? `${parts.join('[^:]*')}.*${last}` : [...parts, last].join('[^:]*');
  }).join(':');
  return new RegExp(`^${source}$`, 's').test(value);
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((a) => wildcardMatch(a, action, true));
  return list(statement.Action).some((a) => wildcardMatch(a, action, true));
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((r) => arnMatch(r, resource));
  return list(statement.Resource).some((r) => arnMatch(r, resource));
}

const COMPARE: Readonly<Record<string, (expected: string, actual: string) => boolean>> = {
  StringEquals: (e, a) => e === a,
  StringNotEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringNotEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => wildcardMatch(e, a),
  StringNotLike: (e, a) => wildcardMatch(e, a),
  ArnEquals: arnMatch,
  ArnLike: arnMatch,
  ArnNotEquals: arnMatch,
  ArnNotLike: arnMatch,
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
};

export const SUPPORTED_OPERATORS = [...Object.keys(COMPARE), 'Null'] as const;

function conditionHolds(operator: string, expected: readonly string[], actual: readonly string[] | undefined): boolean {
  const [qualifier, rest] = operator.includes(':') ? (operator.split(':', 2) as [string, string]) : [undefined, operator];
  const ifExists = rest.endsWith('IfExists');
  const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
  if (base === 'Null') {
    if (qualifier !== undefined || ifExists) throw new Error(`policy-simulator: ${operator} is not an IAM operator`);
    return expected.some((e) => (e === 'true') === (actual === undefined || actual.length === 0));
  }
  const test = COMPARE[base];
  if (test === undefined) throw new Error(`policy-simulator: condition operator ${operator} is not supported`);
  const negated = /Not/.test(base);
  const matches = (value: string): boolean => expected.some((e) => test(e, value));
  if (qualifier === 'ForAllValues') {
    if (actual === undefined || actual.length === 0) return true;
    return actual.every((value) => (negated ? !matches(value) : matches(value)));
  }
  if (qualifier === 'ForAnyValue') {
    if (actual === undefined || actual.length === 0) return false;
    return actual.some((value) => (negated ? !matches(value) : matches(value)));
  }
  if (qualifier !== undefined) throw new Error(`policy-simulator: set qualifier ${qualifier} is not an IAM qualifier`);
  if (actual === undefined) return ifExists || negated;
  const anyMatch = actual.some(matches);
  return negated ? !anyMatch : anyMatch;
}

function conditionsHold(statement: PolicyStatement, context: SimulatedRequest['context']): boolean {
  const lowered = new Map(Object.entries(context ?? {}).map(([k, v]) => [k.toLowerCase(), list(v)]));
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, list(expected), lowered.get(key.toLowerCase()))),
  );
}

/** Does this statement apply to the request (action, resource and every condition)? */
export function applies(statement: PolicyStatement, request: SimulatedRequest): boolean {
  return matchesAction(statement, request.action) && matchesResource(statement, request.resource) && conditionsHold(statement, request.context);
}

export function evaluate(policies: readonly PolicyDocument[], request: SimulatedRequest): Decision {
  const statements = policies.flatMap((p) => p.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s, request))) return 'explicit-deny';
  return statements.some((s) => s.Effect === 'Allow' && applies(s, request)) ? 'allow' : 'implicit-deny';
}

/** IAM's decision for a principal with these identity policies and this boundary, if any. */
export function decide(policies: readonly PolicyDocument[], request: SimulatedRequest, boundary?: PolicyDocument): Decision {
  const identity = evaluate(policies, request);
  if (boundary === undefined || identity === 'explicit-deny') return identity;
  const bounded = evaluate([boundary], request);
  if (bounded === 'explicit-deny') return bounded;
  return identity === 'allow' && bounded === 'allow' ? 'allow' : 'implicit-deny';
}

/** Would a principal with these identity policies (and this boundary, if any) be allowed? */
export function isAllowed(policies: readonly PolicyDocument[], request: SimulatedRequest, boundary?: PolicyDocument): boolean {
  return decide(policies, request, boundary) === 'allow';
}
