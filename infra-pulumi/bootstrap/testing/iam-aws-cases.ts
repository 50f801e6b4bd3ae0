// The questions `npm run test:iam-aws` asks IAM: the attacker's table (denied), what IAM cannot
// refuse (allowed, as documented), each Deny statement on its own (denied), and every call the main
// program makes in each tested configuration (allowed for the role that makes it), plus every right
// the program gives its roles (allowed under the boundary). The same data the local tests use.
import { plain } from '../../testing/helpers';
import { runProgram } from '../../testing/program';
import { type PolicyDocument } from '../trust';
import { ATTACKS, DENY_PROBES, RESIDUAL, principals } from './attacks';
import { type Case } from './iam-aws';
import { SCENARIOS, boundaryArn, boundaryFor, callsOf, policiesFor } from './program-calls';
import { asIamSeesIt } from './sar';

const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The attacker's table and the Deny probes: no program run needed. */
export function tableCases(): Case[] {
  const policies = principals();
  const denies = Object.values(policies).flatMap((p) => [...p.identity, ...(p.boundary ? [p.boundary] : [])]).flatMap((d) => d.Statement).filter((s) => s.Effect === 'Deny');
  return [
    ...ATTACKS.map((a): Case => ({ name: `attack: ${a.attack}`, ...policies[a.principal], request: a.request, expected: 'denied' })),
    ...RESIDUAL.map((a): Case => ({ name: `not refusable by IAM: ${a.attack}`, ...policies[a.principal], request: a.request, expected: 'allowed' })),
    ...denies.flatMap((statement) => (DENY_PROBES[statement.Sid ?? ''] ?? []).map((request): Case => ({
      name: `Deny ${statement.Sid} on its own`,
      identity: [everything, { Version: '2012-10-17', Statement: [statement] }],
      request,
      expected: 'denied',
    }))),
  ];
}

/** Every call the program makes, per configuration, for the roles that make it; duplicates asked once. */
export async function programCases(): Promise<Case[]> {
  const seen = new Set<string>();
  const cases: Case[] = [];
  const runs = await Promise.all(Object.entries(SCENARIOS).map(async ([label, s]) => ({
    label, scenario: s, run: await runProgram({ ...s.config, iamPermissionsBoundaryArn: boundaryArn(s.stack) }, s.stack),
  })));
  for (const { label, scenario, run } of runs) {
    const policies = policiesFor(scenario);
    for (const call of await Promise.all(callsOf(run).calls.map(asIamSeesIt))) {
      for (const role of call.roles) {
        // The same question under the same policies is asked once, whichever configuration asks it.
        const key = JSON.stringify([policies[role], call.action, call.resource, call.context]);
        if (seen.has(key)) continue;
        seen.add(key);
        cases.push({ name: `${label}: ${role} ${call.by} ${call.phase}`, identity: policies[role], request: call, expected: 'allowed' });
      }
    }
    const boundary = boundaryFor(scenario);
    for (const r of run.ofType('aws:iam/rolePolicy:RolePolicy')) {
      const document = JSON.parse(String(plain(r.inputs.policy))) as PolicyDocument;
      for (const statement of document.Statement.filter((st) => st.Effect === 'Allow')) {
        for (const action of [statement.Action ?? []].flat()) {
          for (const resource of [statement.Resource ?? []].flat()) {
            cases.push({ name: `${label}: ${r.name} under the boundary`, identity: [everything], boundary, request: { action, resource }, expected: 'allowed' });
          }
        }
      }
    }
  }
  return cases;
}
