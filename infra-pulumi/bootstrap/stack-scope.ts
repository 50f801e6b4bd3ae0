// What marks a resource as the main stack's:
//   IAM roles    the IAM path `/<project>/<stack>/` (stackRolePath). A role's path is set when it
//                is created and never changes, so no role made outside the stack can be pulled in
//                by tagging or naming it; the main program (components/iam.ts) creates its roles there.
//   the rest     the name prefix (log groups, buckets, topics: `<namePrefix>-…`) and the two tags
//                the main stack's provider puts on every taggable resource (infra-pulumi/config.ts,
//                defaultTags): `pulumi:project` and `pulumi:stack`. The prefix alone is unique per
//                stack only within one project, the tags per project and stack, so the policies use
//                the tags wherever the service supports aws:RequestTag / aws:ResourceTag.
import { type PolicyStatement } from './trust';

export interface StackScope {
  readonly partition: string;
  readonly accountId: string;
  /** The main stack's namePrefix. */
  readonly stackNamePrefix: string;
  /** The main stack's Pulumi project and stack names, as its provider tags them. */
  readonly project: string;
  readonly stackName: string;
}

export const PROJECT_TAG = 'pulumi:project';
export const STACK_TAG = 'pulumi:stack';

type Condition = NonNullable<PolicyStatement['Condition']>[string];

/** The request carries both stack tags (a create that tags on creation). */
export function requestTags(scope: StackScope): Condition {
  return { [`aws:RequestTag/${PROJECT_TAG}`]: scope.project, [`aws:RequestTag/${STACK_TAG}`]: scope.stackName };
}

/** The resource already carries both stack tags. */
export function resourceTags(scope: StackScope): Condition {
  return { [`aws:ResourceTag/${PROJECT_TAG}`]: scope.project, [`aws:ResourceTag/${STACK_TAG}`]: scope.stackName };
}

/**
 * The IAM path of the main stack's roles: `/<project>/<stack>/`. Pulumi project and stack names
 * are letters, digits, `-`, `_` and `.`, all allowed in an IAM path, and neither holds a `/`, so
 * no stack's path is a prefix of another's.
 */
export function stackRolePath(project: string, stack: string): string {
  const name = /^[A-Za-z0-9_.-]+$/;
  if (!name.test(project) || !name.test(stack)) throw new Error(`stackRolePath: "${project}" / "${stack}" is not a Pulumi project / stack name`);
  return `/${project}/${stack}/`;
}

/** Every role of the stack: under its path, named `<namePrefix>-…`. */
export function stackRoleArns(scope: StackScope): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:role${stackRolePath(scope.project, scope.stackName)}${scope.stackNamePrefix}-*`;
}

export function stackLogGroupArns(scope: StackScope): string {
  return `arn:${scope.partition}:logs:*:${scope.accountId}:log-group:${scope.stackNamePrefix}-*`;
}

/**
 * AMP's vended-logs group of the stack: `/aws/vendedlogs/prometheus/<prefix>` (and `<prefix>-…`); some
 * CloudWatch Logs calls authorize against `log-group:<name>:*`, hence the third form.
 */
export function vendedLogGroupArns(scope: StackScope): string[] {
  const base = `arn:${scope.partition}:logs:*:${scope.accountId}:log-group:/aws/vendedlogs/prometheus/${scope.stackNamePrefix}`;
  return [base, `${base}:*`, `${base}-*`];
}

/**
 * The stack's CloudWatch alarms: its own, `<prefix>-…`, and those Application Auto Scaling creates
 * for a target tracking policy, `TargetTracking-service/<cluster>/<service>-…`, the cluster named `<prefix>-…`.
 */
export function stackAlarmArns(scope: StackScope): { own: string; targetTracking: string } {
  const alarm = `arn:${scope.partition}:cloudwatch:*:${scope.accountId}:alarm:`;
  return { own: `${alarm}${scope.stackNamePrefix}-*`, targetTracking: `${alarm}TargetTracking-service/${scope.stackNamePrefix}-*` };
}

/**
 * A secret's full ARN ends in `-` and six random characters; an ARN given by name only matches it
 * through `-??????` (AWS's documented way to name a secret in a policy). Both, so either works.
 */
export function secretArns(arn: string): string[] {
  return [arn, `${arn}-??????`];
}
