// What marks a resource as the main stack's: its name prefix (IAM roles, log groups, buckets,
// topics: the main stack names them `<namePrefix>-…`) and the two tags its AWS provider puts on
// every taggable resource (infra-pulumi/config.ts, defaultTags): `pulumi:project` and `pulumi:stack`.
// The prefix alone is unique per stack only within one project, the tags per project and stack, so
// the policies use the tags wherever the service supports aws:RequestTag / aws:ResourceTag.
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

export function stackRoleArns(scope: StackScope): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:role/${scope.stackNamePrefix}-*`;
}

export function stackLogGroupArns(scope: StackScope): string {
  return `arn:${scope.partition}:logs:*:${scope.accountId}:log-group:${scope.stackNamePrefix}-*`;
}

/**
 * A secret's full ARN ends in `-` and six random characters; an ARN given by name only matches it
 * through `-??????` (AWS's documented way to name a secret in a policy). Both, so either works.
 */
export function secretArns(arn: string): string[] {
  return [arn, `${arn}-??????`];
}
