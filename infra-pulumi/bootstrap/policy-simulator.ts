// For tests: IAM's evaluation of identity policies and a permissions boundary, for the parts these
// policies use, so a test reads "the deploy role can / cannot do X" instead of inspecting JSON.
// Rules (IAM User Guide, "Policy evaluation logic"): an explicit Deny anywhere wins; otherwise the
// request needs an Allow in the identity policies AND, when there is one, in the boundary.
// Actions match case-insensitively with * and ?; resources case-sensitively; condition keys
// case-insensitively. A missing key fails every positive operator and satisfies every negated one
// (StringNotEquals, ArnNotLike, …); `…IfExists` is satisfied by a missing key.
import { type PolicyDocument, type PolicyStatement } from './trust';

export interface SimulatedRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context: aws:RequestTag/…, aws:ResourceTag/…, iam:PermissionsBoundary, … */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((a) => wildcardMatch(a, action, true));
  return list(statement.Action).some((a) => wildcardMatch(a, action, true));
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  return list(statement.Resource).some((r) => wildcardMatch(r, resource));
}

function conditionHolds(operator: string, expected: readonly string[], actual: readonly string[] | undefined): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const negated = /^(StringNot|ArnNot)/.test(base);
  if (actual === undefined) return ifExists || negated;
  const equals = (e: string, a: string): boolean => e === a;
  const like = (e: string, a: string): boolean => wildcardMatch(e, a);
  const compare: Record<string, (e: string, a: string) => boolean> = {
    StringEquals: equals, StringNotEquals: equals, StringLike: like, StringNotLike: like,
    ArnEquals: like, ArnLike: like, ArnNotEquals: like, ArnNotLike: like, Bool: equals,
  };
  const test = compare[base];
  if (test === undefined) throw new Error(`policy-simulator: condition operator ${operator} is not supported`);
  const anyMatch = actual.some((a) => expected.some((e) => test(e, a)));
  return negated ? !anyMatch : anyMatch;
}

function conditionsHold(statement: PolicyStatement, context: SimulatedRequest['context']): boolean {
  const lowered = new Map(Object.entries(context ?? {}).map(([k, v]) => [k.toLowerCase(), list(v)]));
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, list(expected), lowered.get(key.toLowerCase()))),
  );
}

function applies(statement: PolicyStatement, request: SimulatedRequest): boolean {
  return matchesAction(statement, request.action) && matchesResource(statement, request.resource) && conditionsHold(statement, request.context);
}

export function evaluate(policies: readonly PolicyDocument[], request: SimulatedRequest): Decision {
  const statements = policies.flatMap((p) => p.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s, request))) return 'explicit-deny';
  return statements.some((s) => s.Effect === 'Allow' && applies(s, request)) ? 'allow' : 'implicit-deny';
}

/** Would a principal with these identity policies (and this boundary, if any) be allowed? */
export function isAllowed(policies: readonly PolicyDocument[], request: SimulatedRequest, boundary?: PolicyDocument): boolean {
  if (evaluate(policies, request) !== 'allow') return false;
  return boundary === undefined || evaluate([boundary], request) === 'allow';
}
