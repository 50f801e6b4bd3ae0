// The runner of `npm run test:iam-aws` against a stub of IAM (aws-sdk-client-mock): what it sends,
// how it reads IAM's answers, and what it does without credentials. The stub answers with the local
// evaluator, reading the policies back from the request, so the encoding is checked end to end.
import { IAMClient, SimulateCustomPolicyCommand, type SimulateCustomPolicyCommandInput } from '@aws-sdk/client-iam';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type PolicyDocument } from '../trust';
import { type Case, batches, contextEntries, runCases, simulateAll, summary } from './iam-aws';
import { decide } from './policy-simulator';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:prod-alerts';
const OTHER = 'arn:aws:sns:eu-west-1:123456789012:billing-alerts';
const publishOurs: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sns:Publish', 'sns:GetTopicAttributes'], Resource: 'arn:aws:sns:*:123456789012:prod-*' }] };
const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

const withCredentials = (): IAMClient => new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' } });

/** IAM as the local evaluator sees it, from what the request carries. */
function fakeIam(input: SimulateCustomPolicyCommandInput) {
  const identity = (input.PolicyInputList ?? []).map((p) => JSON.parse(p) as PolicyDocument);
  const boundary = input.PermissionsBoundaryPolicyInputList?.[0] === undefined ? undefined : JSON.parse(input.PermissionsBoundaryPolicyInputList[0]) as PolicyDocument;
  const context = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName ?? '', e.ContextKeyType === 'stringList' ? e.ContextKeyValues ?? [] : e.ContextKeyValues?.[0] ?? '']));
  const resources = input.ResourceArns ?? ['*'];
  const decisionName = { allow: 'allowed', 'explicit-deny': 'explicitDeny', 'implicit-deny': 'implicitDeny' } as const;
  return {
    EvaluationResults: (input.ActionNames ?? []).flatMap((action) => resources.map((resource) => ({
      EvalActionName: action, EvalResourceName: resource, EvalDecision: decisionName[decide(identity, { action, resource, context }, boundary)],
    }))),
  };
}

/** Runs `body` with IAM's SimulateCustomPolicy answered by fakeIam; the real client is restored after, however it ends. */
async function withFakeIam(body: (iam: AwsClientStub<IAMClient>) => Promise<void>): Promise<void> {
  const iam = mockClient(IAMClient);
  iam.on(SimulateCustomPolicyCommand).callsFake(fakeIam);
  try {
    await body(iam);
  } finally {
    iam.restore();
  }
}

/** A client whose credentials cannot be had, for the reason given. */
const withoutCredentials = (reason: string): IAMClient => new IAMClient({ region: 'us-east-1', credentials: () => Promise.reject(new Error(reason)) });

const Runner = suite('test:iam-aws runner against a stub of IAM');

Runner('cases that differ only in their action share one request; policies, boundary, resource and context are sent as IAM takes them', () => {
  const cases: Case[] = [
    { name: 'a', identity: [publishOurs], boundary: everything, request: { action: 'sns:Publish', resource: TOPIC, context: { 'aws:ResourceTag/team': 'sre' } }, expected: 'allowed' },
    { name: 'b', identity: [publishOurs], boundary: everything, request: { action: 'sns:GetTopicAttributes', resource: TOPIC, context: { 'aws:ResourceTag/team': 'sre' } }, expected: 'allowed' },
    { name: 'c', identity: [publishOurs], request: { action: 'sns:Publish', resource: '*', context: { 'aws:TagKeys': ['a', 'b'] } }, expected: 'denied' },
  ];
  const [first, second] = batches(cases);
  assert.is(batches(cases).length, 2);
  assert.equal(first?.input.ActionNames, ['sns:Publish', 'sns:GetTopicAttributes']);
  assert.equal(first?.input.ResourceArns, [TOPIC]);
  assert.equal(first?.input.PolicyInputList?.map((p) => JSON.parse(p)), [publishOurs]);
  assert.equal(first?.input.PermissionsBoundaryPolicyInputList?.map((p) => JSON.parse(p)), [everything]);
  assert.equal(first?.input.ContextEntries, [{ ContextKeyName: 'aws:ResourceTag/team', ContextKeyValues: ['sre'], ContextKeyType: 'string' }]);
  assert.is(second?.input.ResourceArns, undefined, '"*" is the API\'s default resource');
  assert.is(second?.input.PermissionsBoundaryPolicyInputList, undefined);
  assert.equal(contextEntries({ 'aws:TagKeys': ['a', 'b'] }), [{ ContextKeyName: 'aws:TagKeys', ContextKeyValues: ['a', 'b'], ContextKeyType: 'stringList' }]);
});

Runner('counts IAM\'s agreement and names every case IAM disagrees with', () =>
  withFakeIam(async (iam) => {
    const outcome = await runCases(withCredentials(), [
      { name: 'ours', identity: [publishOurs], request: { action: 'sns:Publish', resource: TOPIC }, expected: 'allowed' },
      { name: 'theirs', identity: [publishOurs], request: { action: 'sns:Publish', resource: OTHER }, expected: 'denied' },
      { name: 'wrong expectation', identity: [publishOurs], request: { action: 'sns:Publish', resource: OTHER }, expected: 'allowed' },
      { name: 'boundary cuts it', identity: [everything], boundary: publishOurs, request: { action: 'sns:DeleteTopic', resource: TOPIC }, expected: 'denied' },
    ]);
    assert.equal([outcome.passed, outcome.failed, outcome.skipped], [3, 1, 0]);
    assert.equal(outcome.failures, [`wrong expectation: sns:Publish on ${OTHER} is implicitDeny, expected allowed`]);
    assert.is(iam.commandCalls(SimulateCustomPolicyCommand).length, 4);
  }),
);

Runner('reads every page of a truncated answer, and an IAM error fails the cases it covered', async () => {
  const iam = mockClient(IAMClient);
  iam.on(SimulateCustomPolicyCommand)
    .resolvesOnce({ IsTruncated: true, Marker: 'page-2', EvaluationResults: [{ EvalActionName: 'sns:Publish', EvalResourceName: TOPIC, EvalDecision: 'allowed' }] })
    .resolvesOnce({ IsTruncated: false, EvaluationResults: [{ EvalActionName: 'sns:GetTopicAttributes', EvalResourceName: TOPIC, EvalDecision: 'allowed' }] })
    .rejects(new Error('Rate exceeded'));
  try {
    const paged = await runCases(withCredentials(), [
      { name: 'one', identity: [publishOurs], request: { action: 'sns:Publish', resource: TOPIC }, expected: 'allowed' },
      { name: 'two', identity: [publishOurs], request: { action: 'sns:GetTopicAttributes', resource: TOPIC }, expected: 'allowed' },
    ], 1);
    assert.equal([paged.passed, paged.failed], [2, 0]);
    assert.is(iam.commandCalls(SimulateCustomPolicyCommand)[1]?.args[0].input.Marker, 'page-2');
    const throttled = await runCases(withCredentials(), [{ name: 'three', identity: [publishOurs], request: { action: 'sns:Publish', resource: OTHER }, expected: 'denied' }]);
    assert.equal(throttled.failures, [`three: sns:Publish on ${OTHER}: Rate exceeded`]);
  } finally {
    iam.restore();
  }
});

Runner('without credentials: one line, every case counted skipped, nothing sent', () =>
  withFakeIam(async (iam) => {
    const lines: string[] = [];
    const anonymous = withoutCredentials('Could not load credentials from any providers');
    const cases: Case[] = [
      { name: 'x', identity: [publishOurs], request: { action: 'sns:Publish', resource: TOPIC }, expected: 'allowed' },
      { name: 'y', identity: [publishOurs], request: { action: 'sns:Publish', resource: OTHER }, expected: 'denied' },
    ];
    const outcome = await simulateAll(anonymous, () => Promise.resolve(cases), (line) => lines.push(line), {});
    assert.equal([outcome.passed, outcome.failed, outcome.skipped], [0, 0, 2]);
    assert.is(lines.length, 1);
    assert.match(lines[0] ?? '', /skipped: no AWS credentials/);
    assert.is(iam.commandCalls(SimulateCustomPolicyCommand).length, 0);
    assert.is(summary(outcome), 'iam-aws: 0 passed, 0 failed, 2 skipped');
    const withThem = await simulateAll(withCredentials(), () => Promise.resolve(cases), (line) => lines.push(line));
    assert.equal([withThem.passed, withThem.failed, withThem.skipped], [2, 0, 0]);
  }),
);

Runner('credentials asked for but not had (a role CI cannot assume) fail every case with the reason, never skip', () =>
  withFakeIam(async (iam) => {
    const lines: string[] = [];
    const refused = withoutCredentials('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const cases: Case[] = [{ name: 'x', identity: [publishOurs], request: { action: 'sns:Publish', resource: TOPIC }, expected: 'allowed' }];
    const env = { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/preview', AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token' };
    const outcome = await simulateAll(refused, () => Promise.resolve(cases), (line) => lines.push(line), env);
    assert.equal([outcome.passed, outcome.failed, outcome.skipped], [0, 1, 0]);
    assert.match(lines.join('\n'), /AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE set, but no credentials: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    assert.is(iam.commandCalls(SimulateCustomPolicyCommand).length, 0);
  }),
);

Runner.run();
