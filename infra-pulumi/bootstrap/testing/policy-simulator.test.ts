// The local evaluator is the oracle of every IAM claim in the bootstrap's tests, so it is held to the
// rules AWS documents: one case per rule, each beside the page that states it. Requests name concrete
// ARNs, as IAM's do: a pattern is matched against an ARN, never against another pattern.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type PolicyDocument, type PolicyStatement } from '../trust';
import { arnMatch, decide, evaluate, isAllowed } from './policy-simulator';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:prod-alerts`;
const OTHER_TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:billing-alerts`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/observable-service/prod/prod-task-abc1234`;

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });
const allow = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({ Effect: 'Allow', ...statement });
const deny = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({ Effect: 'Deny', ...statement });
const everything = doc(allow({ Action: '*', Resource: '*' }));

const Rules = suite('policy simulator: IAM evaluation rules');

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// "By default, all requests are implicitly denied" … "An explicit deny overrides an explicit allow."
Rules('nothing allows: implicit deny; an explicit Deny overrides any Allow', () => {
  assert.is(evaluate([doc()], { action: 'sns:Publish', resource: TOPIC }), 'implicit-deny');
  const policies = [everything, doc(deny({ Action: 'sns:Publish', Resource: TOPIC }))];
  assert.is(evaluate(policies, { action: 'sns:Publish', resource: TOPIC }), 'explicit-deny');
  assert.is(evaluate(policies, { action: 'sns:Publish', resource: OTHER_TOPIC }), 'allow');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
// "The effective permissions … are the intersection of the identity-based policy and the boundary";
// "The permissions boundary for an IAM entity … does not grant permissions on its own."
Rules('a permissions boundary intersects the identity policy and grants nothing alone', () => {
  const boundary = doc(allow({ Action: 'sns:Publish', Resource: TOPIC }));
  assert.ok(isAllowed([everything], { action: 'sns:Publish', resource: TOPIC }, boundary), 'both allow');
  assert.not.ok(isAllowed([everything], { action: 'sns:Publish', resource: OTHER_TOPIC }, boundary), 'the boundary does not');
  assert.not.ok(isAllowed([doc()], { action: 'sns:Publish', resource: TOPIC }, boundary), 'the identity policy does not');
  const deniedByBoundary = doc(allow({ Action: '*', Resource: '*' }), deny({ Action: 'iam:*', Resource: '*' }));
  assert.is(decide([everything], { action: 'iam:CreateRole', resource: ROLE }, deniedByBoundary), 'explicit-deny', 'a Deny in the boundary is explicit');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
// Action names are case-insensitive; * and ? are wildcards.
Rules('actions match case-insensitively, with * and ?', () => {
  const policy = [doc(allow({ Action: ['SNS:publish', 'logs:Put?ogEvents', 'ec2:Describe*'], Resource: '*' }))];
  assert.ok(isAllowed(policy, { action: 'sns:Publish', resource: TOPIC }));
  assert.ok(isAllowed(policy, { action: 'logs:PutLogEvents', resource: '*' }));
  assert.ok(isAllowed(policy, { action: 'ec2:DescribeVpcs', resource: '*' }));
  assert.not.ok(isAllowed(policy, { action: 'ec2:DeleteVpc', resource: '*' }));
  assert.not.ok(isAllowed(policy, { action: 'logs:PutLogEventsBatch', resource: '*' }), '? is exactly one character');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
// NotAction "matches everything except the specified list of actions".
Rules('NotAction: an Allow covers every other action, a Deny denies every other action', () => {
  const allowOthers = [doc(allow({ NotAction: 'iam:*', Resource: '*' }))];
  assert.ok(isAllowed(allowOthers, { action: 'sns:Publish', resource: TOPIC }));
  assert.not.ok(isAllowed(allowOthers, { action: 'iam:CreateRole', resource: ROLE }));
  const denyOthers = [everything, doc(deny({ NotAction: ['sns:Publish'], Resource: '*' }))];
  assert.ok(isAllowed(denyOthers, { action: 'sns:Publish', resource: TOPIC }));
  assert.is(evaluate(denyOthers, { action: 'sns:Subscribe', resource: TOPIC }), 'explicit-deny');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
// NotResource "matches every resource except those specified".
Rules('NotResource: the statement applies to every resource but those listed', () => {
  const policies = [everything, doc(deny({ Action: 'sns:Publish', NotResource: `arn:aws:sns:*:${ACCOUNT}:prod-*` }))];
  assert.ok(isAllowed(policies, { action: 'sns:Publish', resource: TOPIC }));
  assert.is(evaluate(policies, { action: 'sns:Publish', resource: OTHER_TOPIC }), 'explicit-deny');
  const allowOnly = [doc(allow({ Action: 'sns:Publish', NotResource: TOPIC }))];
  assert.not.ok(isAllowed(allowOnly, { action: 'sns:Publish', resource: TOPIC }));
  assert.ok(isAllowed(allowOnly, { action: 'sns:Publish', resource: OTHER_TOPIC }));
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
// Wildcards work "within the individual segments of an ARN (the parts separated by colons)"; "if the *
// wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
// boundaries". Resource names are case-sensitive.
Rules('resources: * stays in its ARN segment unless it ends it; names are case-sensitive', () => {
  assert.ok(arnMatch(`arn:aws:logs:*:${ACCOUNT}:log-group:prod-*`, `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:prod-logs:log-stream:app/1`), 'a trailing * runs past colons');
  assert.not.ok(arnMatch(`arn:aws:logs:eu-*-1:${ACCOUNT}:log-group:x`, `arn:aws:logs:eu-west:x-1:${ACCOUNT}:log-group:x`), 'an inner * does not');
  assert.not.ok(arnMatch(`arn:aws:iam::${ACCOUNT}:role/prod-*`, `arn:aws:iam::${ACCOUNT}:role/Prod-x`), 'case-sensitive');
  assert.not.ok(arnMatch(`arn:aws:iam::${ACCOUNT}:role/prod-*`, ROLE), 'a path is part of the resource: role/prod-* names no role under a path');
  assert.ok(arnMatch(`arn:aws:iam::${ACCOUNT}:role/observable-service/prod/*`, ROLE));
  assert.not.ok(arnMatch(`arn:aws:sns:*:${ACCOUNT}:prod-*`, '*'), 'an ARN pattern never matches a request on "*"');
  assert.not.ok(isAllowed([doc(allow({ Action: 'sns:Publish', Resource: `arn:aws:sns:*:${ACCOUNT}:prod-?` }))], { action: 'sns:Publish', resource: `arn:aws:sns:eu-west-1:${ACCOUNT}:prod-ab` }), '? is one character');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
// Condition key names are not case-sensitive; values of one key are ORed; keys and operators ANDed.
Rules('conditions: keys case-insensitive, values of a key OR, keys and operators AND', () => {
  const policy = [doc(allow({
    Action: 'iam:PassRole',
    Resource: ROLE,
    Condition: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'grafana.amazonaws.com'], 'aws:ResourceTag/team': 'sre' } },
  }))];
  const pass = (context: Record<string, string>): boolean => isAllowed(policy, { action: 'iam:PassRole', resource: ROLE, context });
  assert.ok(pass({ 'IAM:passedToService': 'grafana.amazonaws.com', 'aws:ResourceTag/team': 'sre' }));
  assert.not.ok(pass({ 'iam:PassedToService': 'ec2.amazonaws.com', 'aws:ResourceTag/team': 'sre' }));
  assert.not.ok(pass({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }), 'every key must hold');
  assert.not.ok(pass({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com', 'aws:ResourceTag/team': 'SRE' }), 'StringEquals values are case-sensitive');
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
Rules('StringLike matches * and ?; StringNotEquals is true for any other value', () => {
  const like = [doc(allow({ Action: 'kms:Decrypt', Resource: '*', Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } } }))];
  assert.ok(isAllowed(like, { action: 'kms:Decrypt', resource: '*', context: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } }));
  assert.not.ok(isAllowed(like, { action: 'kms:Decrypt', resource: '*', context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }));
  const notEquals = [everything, doc(deny({ Action: 'iam:CreateRole', Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } } }))];
  assert.is(evaluate(notEquals, { action: 'iam:CreateRole', resource: ROLE, context: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/other' } }), 'explicit-deny');
  assert.is(evaluate(notEquals, { action: 'iam:CreateRole', resource: ROLE, context: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } }), 'allow');
});

// Same page, #Conditions_String and #Conditions_Boolean: …IgnoreCase compares without case,
// StringNotLike negates StringLike, Bool compares "true"/"false".
Rules('StringEqualsIgnoreCase, StringNotLike and Bool', () => {
  const holds = (Condition: PolicyStatement['Condition'], context: Record<string, string>): boolean =>
    isAllowed([doc(allow({ Action: 's3:GetObject', Resource: '*', Condition }))], { action: 's3:GetObject', resource: 'arn:aws:s3:::state/x', context });
  assert.ok(holds({ StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'SRE' } }, { 'aws:PrincipalTag/team': 'sre' }));
  assert.not.ok(holds({ StringEquals: { 'aws:PrincipalTag/team': 'SRE' } }, { 'aws:PrincipalTag/team': 'sre' }));
  assert.not.ok(holds({ StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'SRE' } }, { 'aws:PrincipalTag/team': 'ops' }));
  assert.ok(holds({ StringNotLike: { 'aws:userid': 'AROA*:ci-*' } }, { 'aws:userid': 'AROAEXAMPLE:alice' }));
  assert.not.ok(holds({ StringNotLike: { 'aws:userid': 'AROA*:ci-*' } }, { 'aws:userid': 'AROAEXAMPLE:ci-42' }));
  assert.ok(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'false' }));
  assert.not.ok(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'true' }));
});

// Same page: "If the key that you specify in a policy condition is not present in the request context,
// the values do not match and the condition is false. If the policy condition requires that the key is
// not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is
// true." …IfExists: "If the condition key is not present … the condition evaluates to true."
Rules('a missing key: positive operators fail, negated operators and …IfExists hold', () => {
  const request = { action: 'iam:CreateRole', resource: ROLE, context: {} };
  const holds = (Condition: PolicyStatement['Condition']): boolean => isAllowed([doc(allow({ Action: 'iam:CreateRole', Resource: '*', Condition }))], request);
  assert.not.ok(holds({ StringEquals: { 'iam:PermissionsBoundary': 'b' } }));
  assert.not.ok(holds({ ArnLike: { 'iam:PermissionsBoundary': 'arn:aws:iam::*:policy/*' } }));
  assert.ok(holds({ StringNotEquals: { 'iam:PermissionsBoundary': 'b' } }), 'a Deny with StringNotEquals catches a request without the key');
  assert.ok(holds({ ArnNotLike: { 'iam:PermissionsBoundary': 'arn:aws:iam::*:policy/*' } }));
  assert.ok(holds({ StringEqualsIfExists: { 'iam:PermissionsBoundary': 'b' } }));
  assert.not.ok(isAllowed([doc(allow({ Action: 'iam:CreateRole', Resource: '*', Condition: { StringEqualsIfExists: { 'iam:PermissionsBoundary': 'b' } } }))],
    { ...request, context: { 'iam:PermissionsBoundary': 'c' } }), '…IfExists still checks a key that is there');
});

// Same page, #Conditions_Null: "true" when the key is absent, "false" when it is present.
Rules('Null tests whether a key is in the request', () => {
  const absent = [doc(allow({ Action: 'ec2:CreateVpc', Resource: '*', Condition: { Null: { 'aws:RequestTag/pulumi:stack': 'true' } } }))];
  const present = [doc(allow({ Action: 'ec2:CreateVpc', Resource: '*', Condition: { Null: { 'aws:RequestTag/pulumi:stack': 'false' } } }))];
  const tagged = { action: 'ec2:CreateVpc', resource: '*', context: { 'aws:RequestTag/pulumi:stack': 'prod' } };
  const untagged = { action: 'ec2:CreateVpc', resource: '*' };
  assert.ok(isAllowed(absent, untagged));
  assert.not.ok(isAllowed(absent, tagged));
  assert.ok(isAllowed(present, tagged));
  assert.not.ok(isAllowed(present, untagged));
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
// ForAllValues: true "if every value in the request matches at least one value in the policy"; also
// "if there are no keys in the request". ForAnyValue: true if at least one matches; false without the key.
Rules('ForAllValues and ForAnyValue over a multi-valued key (aws:TagKeys)', () => {
  const all = [doc(allow({ Action: 'iam:TagRole', Resource: ROLE, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['pulumi:project', 'pulumi:stack'] } } }))];
  const any = [doc(allow({ Action: 'iam:TagRole', Resource: ROLE, Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['pulumi:*'] } } }))];
  const tagging = (keys?: string[]) => ({ action: 'iam:TagRole', resource: ROLE, ...(keys ? { context: { 'aws:TagKeys': keys } } : {}) });
  assert.ok(isAllowed(all, tagging(['pulumi:stack'])));
  assert.not.ok(isAllowed(all, tagging(['pulumi:stack', 'owner'])), 'one value outside the set');
  assert.ok(isAllowed(all, tagging()), 'no key: ForAllValues holds (why a Deny on ForAllValues alone is weak)');
  assert.ok(isAllowed(any, tagging(['owner', 'pulumi:stack'])));
  assert.not.ok(isAllowed(any, tagging(['owner'])));
  assert.not.ok(isAllowed(any, tagging()), 'no key: ForAnyValue fails');
  const none = [everything, doc(deny({ Action: 'iam:TagRole', Resource: ROLE, Condition: { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': ['pulumi:*'] } } }))];
  assert.is(evaluate(none, tagging(['pulumi:stack', 'owner'])), 'explicit-deny', 'ForAnyValue:StringNotLike: one key outside the pattern');
  assert.is(evaluate(none, tagging(['pulumi:stack'])), 'allow');
});

// Same operators page, #Conditions_ARN: ArnEquals and ArnLike match each of the six colon-delimited
// components separately, with * and ?; ArnNotLike negates.
Rules('ArnLike / ArnEquals match segment by segment; ArnNotLike negates', () => {
  const attach = (policyArn: string, operator = 'ArnLike'): boolean => isAllowed(
    [doc(allow({ Action: 'iam:AttachRolePolicy', Resource: ROLE, Condition: { [operator]: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/*' } } }))],
    { action: 'iam:AttachRolePolicy', resource: ROLE, context: { 'iam:PolicyARN': policyArn } },
  );
  assert.ok(attach('arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'));
  assert.ok(attach('arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy', 'ArnEquals'));
  assert.not.ok(attach('arn:aws:iam::aws:policy/AdministratorAccess'));
  assert.not.ok(attach(`arn:aws:iam::${ACCOUNT}:policy/service-role/Mine`), 'the account segment is compared on its own');
  assert.ok(attach('arn:aws:iam::aws:policy/AdministratorAccess', 'ArnNotLike'));
});

Rules('an operator the evaluator does not know fails loudly instead of guessing', () => {
  const policy = [doc(allow({ Action: '*', Resource: '*', Condition: { NumericLessThan: { 's3:max-keys': '10' } } }))];
  assert.throws(() => isAllowed(policy, { action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }), /NumericLessThan is not supported/);
});

Rules.run();
