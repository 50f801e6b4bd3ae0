// Policies the stack must satisfy, checked on what the real program (index.ts) asks Pulumi to create
// under mocks, for each supported shape of configuration. Each configuration runs in its own process
// (see testing/run-program.ts); all of them start at once and each suite waits for its own.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { DEFAULT_GRAFANA_VERSION } from './config';
import { BLOCKED_PATHS, CLOUDFRONT_PREFIX_LIST, ORIGIN_VERIFY_HEADER, TLS_POLICY } from './components/edge';
import { COLLECTOR_IMAGE, SCRAPE_JOB_NAME } from './components/collector-config';
import { DATASOURCE_UID } from './components/grafana';
import { APP_CONTAINER, COLLECTOR_CONTAINER } from './components/service';
import { ALB_IDLE_TIMEOUT_SECONDS, APP_PORT } from './components/timeouts';
import {
  MOCK_AMP_ARN, MOCK_AMP_ENDPOINT, MOCK_CLOUDFRONT_DOMAIN, MOCK_CLOUDFRONT_PREFIX_LIST_ID, MOCK_ORIGIN_SECRET, MOCK_VPC_ID, MOCK_ZONE_ID,
  mockSubnetIds, type RecordedResource,
} from './testing/mocks';
import { type ProgramRun, runProgram } from './testing/program';

const OBSERVABILITY = path.join(__dirname, '..', 'observability');

const T = {
  provider: 'pulumi:providers:aws',
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  vpc: 'awsx:ec2:Vpc',
  alb: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  listener: 'aws:lb/listener:Listener',
  rule: 'aws:lb/listenerRule:ListenerRule',
  distribution: 'aws:cloudfront/distribution:Distribution',
  certificate: 'aws:acm/certificate:Certificate',
  record: 'aws:route53/record:Record',
  cluster: 'aws:ecs/cluster:Cluster',
  taskDefinition: 'aws:ecs/taskDefinition:TaskDefinition',
  service: 'aws:ecs/service:Service',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  scalingTarget: 'aws:appautoscaling/target:Target',
  scalingPolicy: 'aws:appautoscaling/policy:Policy',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  parameter: 'aws:ssm/parameter:Parameter',
  ruleGroups: 'aws:amp/ruleGroupNamespace:RuleGroupNamespace',
  alertmanager: 'aws:amp/alertManagerDefinition:AlertManagerDefinition',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  grafanaWorkspace: 'aws:grafana/workspace:Workspace',
  datasource: 'grafana:oss/dataSource:DataSource',
  dashboard: 'grafana:oss/dashboard:Dashboard',
} as const;

// --- helpers over recorded inputs

/** Secret inputs reach the mocks wrapped as { <signature>: ..., value }. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '4dabf18193072939515e22adb298388d' in value) return (value as unknown as { value: unknown }).value;
  return value;
}
const input = <T = unknown>(r: RecordedResource, key: string): T => plain(r.inputs[key]) as T;
/** Mock ids are "<name>-id"; mock ARNs end with ":<name>". */
const idOf = (r: RecordedResource): string => `${r.name}-id`;
const arnOf = (r: RecordedResource): string => `arn:aws:${r.type.split(':')[1]?.split('/')[0]}:eu-west-1:123456789012:${r.name}`;

interface ContainerDefinition {
  name: string;
  image: string;
  user?: string;
  essential: boolean;
  readonlyRootFilesystem?: boolean;
  linuxParameters?: { initProcessEnabled?: boolean };
  portMappings?: { containerPort: number }[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  healthCheck?: { command: string[] };
  stopTimeout?: number;
}
function containers(run: ProgramRun): ContainerDefinition[] {
  return JSON.parse(input<string>(run.one(T.taskDefinition), 'containerDefinitions')) as ContainerDefinition[];
}
function container(run: ProgramRun, name: string): ContainerDefinition {
  const found = containers(run).find((c) => c.name === name);
  assert.ok(found, `container ${name}`);
  return found;
}
function env(c: ContainerDefinition): Record<string, string> {
  return Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
}

interface PolicyStatement { Action: string | string[]; Resource: string | string[]; Effect: string }
function statements(run: ProgramRun): PolicyStatement[] {
  return run.ofType(T.rolePolicy).flatMap((p) => (JSON.parse(input<string>(p, 'policy')) as { Statement: PolicyStatement[] }).Statement);
}
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function ingressOf(run: ProgramRun, securityGroup: RecordedResource): RecordedResource[] {
  return run.ofType(T.ingress).filter((r) => input(r, 'securityGroupId') === idOf(securityGroup));
}

function taskSecurityGroups(run: ProgramRun): RecordedResource[] {
  const ids = input<{ securityGroups: string[] }>(run.one(T.service), 'networkConfiguration').securityGroups;
  return run.ofType(T.sg).filter((sg) => ids.includes(idOf(sg)));
}

function localFiles(dir: string, pattern: RegExp): Map<string, string> {
  return new Map(fs.readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => [f.replace(/\.(ya?ml|json)$/, ''), fs.readFileSync(path.join(dir, f), 'utf8')]));
}

// --- the configurations under test, started together

const runs = {
  cloudfront: runProgram({}),
  domain: runProgram({
    httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com',
    natGateways: 'perAz', availabilityZones: '3', minTasks: '3', maxTasks: '7', alertEmail: 'oncall@example.com',
    shutdownTimeoutMs: '30000', shutdownDelayMs: '8000',
  }, 'prod'),
  noGrafana: runProgram({ grafana: 'false' }),
  badMode: runProgram({ httpsMode: 'ftp' }),
};

// --- policies every configuration must satisfy

function commonPolicies(label: string, which: keyof typeof runs, expected: { minTasks: number; maxTasks: number; stack: string; zones: number }) {
  const test = suite<{ run: ProgramRun }>(`stack policies (${label})`);
  test.before(async (context) => {
    context.run = await runs[which];
    assert.equal(context.run.result.error, undefined, context.run.result.error);
  });

  test('every AWS resource goes through one provider that tags it with the stack', ({ run }) => {
    const provider = run.one(T.provider);
    const tags = (JSON.parse(input<string>(provider, 'defaultTags')) as { tags: Record<string, string> }).tags;
    assert.equal(tags['pulumi:stack'], expected.stack);
    assert.equal(input(provider, 'region'), 'eu-west-1');
    const awsResources = run.resources.filter((r) => r.custom && r.type.startsWith('aws:'));
    assert.ok(awsResources.length > 30);
    for (const r of awsResources) assert.match(r.provider ?? '', /[:$]pulumi:providers:aws::/, `${r.type} ${r.name} uses the tagged provider`);
  });

  test('every resource name is derived from the stack, so two stacks can share an account', ({ run }) => {
    for (const r of run.resources) assert.ok(r.name.startsWith(`${expected.stack}-`) || r.name === expected.stack, `${r.type} ${r.name}`);
  });

  // awsx builds the subnets, NAT gateways and routes in its plugin, which mocks replace: the policy is
  // asserted on what the VPC is asked for and on which of its subnet ids the ALB and tasks use.
  test('the VPC spans the configured zones (at least two), each with one public and one private subnet', ({ run }) => {
    const vpc = run.one(T.vpc);
    assert.ok(expected.zones >= 2);
    assert.equal(input(vpc, 'numberOfAvailabilityZones'), expected.zones);
    assert.equal(input(vpc, 'availabilityZoneNames'), undefined);
    assert.equal(input(vpc, 'cidrBlock'), '10.0.0.0/16');
    assert.equal(input(vpc, 'subnetStrategy'), 'Auto');
    assert.deepEqual(input<{ type: string }[]>(vpc, 'subnetSpecs').map((spec) => spec.type), ['Public', 'Private']);
    assert.equal(input<Record<string, string>>(vpc, 'tags')['pulumi:stack'], expected.stack);
  });

  test('tasks run in exactly the private subnets, one per zone, without public IPs', ({ run }) => {
    const networkConfiguration = input<{ assignPublicIp: boolean; subnets: string[] }>(run.one(T.service), 'networkConfiguration');
    assert.equal(networkConfiguration.assignPublicIp, false);
    assert.deepEqual(networkConfiguration.subnets, mockSubnetIds('Private', expected.zones));
    for (const id of mockSubnetIds('Public', expected.zones)) assert.ok(!networkConfiguration.subnets.includes(id), `task subnet ${id} is public`);
  });

  test('the internet-facing ALB sits in exactly the public subnets; every group and target lives in the VPC', ({ run }) => {
    const alb = run.one(T.alb);
    assert.equal(input(alb, 'internal'), false);
    assert.deepEqual(input(alb, 'subnets'), mockSubnetIds('Public', expected.zones));
    for (const r of [...run.ofType(T.sg), run.one(T.targetGroup)]) assert.equal(input(r, 'vpcId'), MOCK_VPC_ID, r.name);
    assert.equal(run.output('vpcId'), MOCK_VPC_ID);
  });

  test('no security group of the tasks admits 0.0.0.0/0: only the load balancer reaches the app port', ({ run }) => {
    const albSg = run.one(T.sg, '-alb');
    const taskSgs = taskSecurityGroups(run);
    assert.equal(taskSgs.length, 1);
    for (const sg of taskSgs) {
      const rules = ingressOf(run, sg);
      assert.ok(rules.length > 0);
      for (const rule of rules) {
        assert.equal(input(rule, 'cidrIpv4'), undefined);
        assert.equal(input(rule, 'cidrIpv6'), undefined);
        assert.equal(input(rule, 'referencedSecurityGroupId'), idOf(albSg));
        assert.equal(input(rule, 'fromPort'), APP_PORT);
        assert.equal(input(rule, 'toPort'), APP_PORT);
      }
    }
  });

  test('/metrics answers 403 on every public listener before any forwarding rule', ({ run }) => {
    const publicListeners = run.ofType(T.listener).filter((l) => (input<{ type: string }[]>(l, 'defaultActions'))[0]?.type !== 'redirect');
    assert.ok(publicListeners.length >= 1);
    for (const listener of publicListeners) {
      const rules = run.ofType(T.rule).filter((r) => input(r, 'listenerArn') === arnOf(listener));
      const block = rules.find((r) => input<{ pathPattern?: { values: string[] } }[]>(r, 'conditions').some((c) => c.pathPattern?.values.includes('/metrics')));
      assert.ok(block, `a /metrics rule on ${listener.name}`);
      assert.deepEqual(input<{ pathPattern: { values: string[] } }[]>(block, 'conditions')[0]?.pathPattern.values, BLOCKED_PATHS);
      assert.deepEqual(input<{ type: string; fixedResponse: { statusCode: string } }[]>(block, 'actions').map((a) => [a.type, a.fixedResponse.statusCode]), [['fixed-response', '403']]);
      for (const other of rules.filter((r) => r !== block)) assert.ok(input<number>(block, 'priority') < input<number>(other, 'priority'));
    }
  });

  // Pulumi sends a resource to the engine only once everything it depends on exists, so the mocks
  // see the order a real deploy creates things in. ECS rejects a target group that no listener or
  // rule attaches to the ALB yet ("does not have an associated load balancer").
  test('ECS registers targets only after the ALB routes to the target group and blocks /metrics', ({ run }) => {
    const created = (r: RecordedResource): number => run.resources.indexOf(r);
    const service = run.one(T.service);
    const routing = [...run.ofType(T.listener), ...run.ofType(T.rule)];
    const forwardsToTargetGroup = (r: RecordedResource): boolean =>
      [...(input<{ type: string; targetGroupArn?: string }[] | undefined>(r, 'defaultActions') ?? []), ...(input<{ type: string; targetGroupArn?: string }[] | undefined>(r, 'actions') ?? [])]
        .some((a) => a.type === 'forward' && a.targetGroupArn === arnOf(run.one(T.targetGroup)));
    assert.ok(routing.some(forwardsToTargetGroup), 'a listener or rule forwards to the target group');
    for (const r of routing) assert.ok(created(r) < created(service), `${r.type} ${r.name} exists before the ECS service`);
  });

  test('the target group checks /ready, drains quickly, and the ALB idles out before Node does', ({ run }) => {
    const tg = run.one(T.targetGroup);
    assert.equal(input<{ path: string }>(tg, 'healthCheck').path, '/ready');
    assert.ok(input<number>(tg, 'deregistrationDelay') < 300);
    assert.equal(input(tg, 'port'), APP_PORT);
    const idleTimeout = input<number>(run.one(T.alb), 'idleTimeout');
    assert.equal(idleTimeout, ALB_IDLE_TIMEOUT_SECONDS);
    const app = env(container(run, APP_CONTAINER));
    assert.ok(Number(app.KEEP_ALIVE_TIMEOUT_MS) > idleTimeout * 1000);
    assert.ok(Number(app.HEADERS_TIMEOUT_MS) > Number(app.KEEP_ALIVE_TIMEOUT_MS));
  });

  test('the app container is non-root, read-only, init-managed, health-checked without a shell', ({ run }) => {
    const app = container(run, APP_CONTAINER);
    assert.match(app.image, /^docker\.io\/example\/observable-service:[0-9a-f]{40}$/);
    assert.ok(app.user !== undefined && !/^(0|root)(:|$)/.test(app.user), `user ${app.user}`);
    assert.equal(app.readonlyRootFilesystem, true);
    assert.equal(app.linuxParameters?.initProcessEnabled, true);
    assert.deepEqual(app.portMappings?.map((p) => p.containerPort), [APP_PORT]);
    assert.equal(app.healthCheck?.command[0], 'CMD');
    assert.equal(env(app).PORT, String(APP_PORT));
  });

  test('stopTimeout gives the service its whole shutdown deadline and stays within Fargate\'s 120 s', ({ run }) => {
    const app = container(run, APP_CONTAINER);
    const deadlineMs = Number(env(app).SHUTDOWN_TIMEOUT_MS);
    assert.ok(Number(env(app).SHUTDOWN_DELAY_MS) < deadlineMs);
    assert.ok(app.stopTimeout !== undefined && app.stopTimeout * 1000 > deadlineMs && app.stopTimeout <= 120, `stopTimeout ${app.stopTimeout}`);
  });

  test('no secret travels in `environment`; the collector config comes from SSM as a secret', ({ run }) => {
    const secretValues = [MOCK_ORIGIN_SECRET, 'glsa_mock_token'];
    for (const c of containers(run)) {
      for (const { name, value } of c.environment ?? []) {
        assert.doesNotMatch(name, /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL|AOT_CONFIG/i, `${c.name}: ${name}`);
        for (const secret of secretValues) assert.ok(!value.includes(secret), `${c.name}: ${name}`);
      }
    }
    const parameter = run.one(T.parameter);
    assert.equal(input(parameter, 'type'), 'SecureString');
    assert.deepEqual(container(run, COLLECTOR_CONTAINER).secrets, [{ name: 'AOT_CONFIG_CONTENT', valueFrom: `arn:aws:ssm:eu-west-1:123456789012:parameter/${parameter.name}` }]);
  });

  test('the collector sidecar scrapes the app on localhost as job "app" and remote-writes to AMP with SigV4', ({ run }) => {
    const collector = container(run, COLLECTOR_CONTAINER);
    assert.equal(collector.image, COLLECTOR_IMAGE);
    assert.match(collector.image, /:v\d+\.\d+\.\d+$/);
    assert.equal(collector.essential, false);
    const config = parse(input<string>(run.one(T.parameter), 'value')) as {
      receivers: { prometheus: { config: { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] } } };
      exporters: { prometheusremotewrite: { endpoint: string; auth: { authenticator: string } } };
      extensions: { sigv4auth: { service: string; region: string } };
    };
    const [scrape] = config.receivers.prometheus.config.scrape_configs;
    assert.equal(scrape?.job_name, SCRAPE_JOB_NAME);
    assert.deepEqual(scrape?.static_configs[0]?.targets, [`localhost:${APP_PORT}`]);
    assert.equal(config.exporters.prometheusremotewrite.endpoint, `${MOCK_AMP_ENDPOINT}api/v1/remote_write`);
    assert.equal(config.exporters.prometheusremotewrite.auth.authenticator, 'sigv4auth');
    assert.deepEqual(config.extensions.sigv4auth, { region: 'eu-west-1', service: 'aps' });
  });

  test('deployments roll back on failure and `pulumi up` waits for steady state', ({ run }) => {
    const service = run.one(T.service);
    assert.deepEqual(input(service, 'deploymentCircuitBreaker'), { enable: true, rollback: true });
    assert.equal(input(service, 'waitForSteadyState'), true);
    assert.equal(input(service, 'launchType'), 'FARGATE');
    assert.equal(input(run.one(T.taskDefinition), 'requiresCompatibilities')?.toString(), 'FARGATE');
  });

  test('Container Insights is on and logs are kept for a bounded time', ({ run }) => {
    assert.deepEqual(input(run.one(T.cluster), 'settings'), [{ name: 'containerInsights', value: 'enabled' }]);
    assert.equal(input(run.one(T.logGroup), 'retentionInDays'), 30);
  });

  test('autoscaling tracks CPU and requests per target within the configured bounds', ({ run }) => {
    const target = run.one(T.scalingTarget);
    assert.equal(input(target, 'minCapacity'), expected.minTasks);
    assert.equal(input(target, 'maxCapacity'), expected.maxTasks);
    assert.equal(input(run.one(T.service), 'desiredCount'), expected.minTasks);
    const metrics = run.ofType(T.scalingPolicy).map((p) => input<{ predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string } }>(p, 'targetTrackingScalingPolicyConfiguration').predefinedMetricSpecification);
    assert.deepEqual(metrics.map((m) => m.predefinedMetricType).sort(), ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    const label = metrics.find((m) => m.predefinedMetricType === 'ALBRequestCountPerTarget')?.resourceLabel;
    assert.match(label ?? '', /^app\/.+\/targetgroup\/.+$/);
  });

  test('the rule group namespaces are exactly the files in observability/prometheus/rules', ({ run }) => {
    const files = localFiles(path.join(OBSERVABILITY, 'prometheus', 'rules'), /\.ya?ml$/);
    assert.ok(files.size > 0);
    const uploaded = new Map(run.ofType(T.ruleGroups).map((r) => [input<string>(r, 'name'), input<string>(r, 'data')]));
    assert.deepEqual(uploaded, files);
    for (const r of run.ofType(T.ruleGroups)) assert.equal(input(r, 'workspaceId'), 'ws-00000000-1111-2222-3333-444444444444');
  });

  test('alerts route to the SNS topic', ({ run }) => {
    const definition = parse(input<string>(run.one(T.alertmanager), 'definition')) as { alertmanager_config: string };
    const alertmanager = parse(definition.alertmanager_config) as { route: { receiver: string }; receivers: { name: string; sns_configs: { topic_arn: string }[] }[] };
    const receiver = alertmanager.receivers.find((r) => r.name === alertmanager.route.receiver);
    assert.equal(receiver?.sns_configs[0]?.topic_arn, run.output('alertTopicArn'));
  });

  test('IAM grants on Prometheus data name the workspace ARN, never "*"', ({ run }) => {
    const aps = statements(run).filter((s) => list(s.Action).some((a) => a.startsWith('aps:')));
    assert.ok(aps.length >= 1);
    for (const s of aps) assert.deepEqual(list(s.Resource), [MOCK_AMP_ARN]);
    const remoteWrite = aps.filter((s) => list(s.Action).includes('aps:RemoteWrite'));
    assert.equal(remoteWrite.length, 1);
    assert.deepEqual(list(remoteWrite[0]?.Action ?? []), ['aps:RemoteWrite']);
    for (const s of statements(run)) assert.notEqual(list(s.Action).join(), '*');
  });

  test('the exported outputs point at what was created', ({ run }) => {
    assert.equal(run.output('ampWorkspaceId'), 'ws-00000000-1111-2222-3333-444444444444');
    assert.equal(run.output('ampEndpoint'), MOCK_AMP_ENDPOINT);
    for (const key of ['url', 'clusterName', 'serviceName', 'logGroupName', 'alertTopicArn', 'vpcId']) assert.equal(typeof run.output(key), 'string', key);
    assert.match(String(run.output('url')), /^https:\/\//);
  });

  return test;
}

commonPolicies('no domain: CloudFront', 'cloudfront', { minTasks: 2, maxTasks: 4, stack: 'test', zones: 2 }).run();
commonPolicies('domain', 'domain', { minTasks: 3, maxTasks: 7, stack: 'prod', zones: 3 }).run();
commonPolicies('grafana: false', 'noGrafana', { minTasks: 2, maxTasks: 4, stack: 'test', zones: 2 }).run();

// --- mode-specific policies

const cloudfront = suite<{ run: ProgramRun }>('no domain: CloudFront in front of the ALB');
cloudfront.before(async (context) => {
  context.run = await runs.cloudfront;
});

cloudfront('viewers get https://<id>.cloudfront.net and plain HTTP is redirected to HTTPS', ({ run }) => {
  assert.equal(run.output('url'), `https://${MOCK_CLOUDFRONT_DOMAIN}`);
  const distribution = run.one(T.distribution);
  const behaviors = [input<{ viewerProtocolPolicy: string }>(distribution, 'defaultCacheBehavior'), ...(input<{ viewerProtocolPolicy: string }[] | undefined>(distribution, 'orderedCacheBehaviors') ?? [])];
  for (const b of behaviors) assert.equal(b.viewerProtocolPolicy, 'redirect-to-https');
  assert.equal(run.ofType(T.certificate).length, 0);
});

cloudfront('the ALB admits only CloudFront\'s origin-facing prefix list', ({ run }) => {
  const rules = ingressOf(run, run.one(T.sg, '-alb'));
  assert.equal(rules.length, 1);
  for (const rule of rules) {
    assert.equal(input(rule, 'prefixListId'), MOCK_CLOUDFRONT_PREFIX_LIST_ID);
    assert.equal(input(rule, 'cidrIpv4'), undefined);
    assert.equal(input(rule, 'cidrIpv6'), undefined);
  }
  assert.ok(run.result.calls.some((c) => c.token === 'aws:ec2/getManagedPrefixList:getManagedPrefixList' && c.inputs.name === CLOUDFRONT_PREFIX_LIST));
});

cloudfront('the ALB forwards only requests carrying the secret header CloudFront adds; the rest get 403', ({ run }) => {
  const listener = run.one(T.listener);
  assert.deepEqual(input<{ type: string; fixedResponse: { statusCode: string } }[]>(listener, 'defaultActions').map((a) => [a.type, a.fixedResponse.statusCode]), [['fixed-response', '403']]);
  const forwarding = run.ofType(T.rule).filter((r) => input<{ type: string }[]>(r, 'actions').some((a) => a.type === 'forward'));
  assert.equal(forwarding.length, 1);
  const [header] = input<{ httpHeader: { httpHeaderName: string; values: string[] } }[]>(forwarding[0] as RecordedResource, 'conditions');
  assert.equal(header?.httpHeader.httpHeaderName, ORIGIN_VERIFY_HEADER);
  const origins = input<{ customHeaders: { name: string; value: unknown }[] }[]>(run.one(T.distribution), 'origins');
  assert.deepEqual(origins[0]?.customHeaders.map((h) => [h.name, plain(h.value)]), [[ORIGIN_VERIFY_HEADER, MOCK_ORIGIN_SECRET]]);
  assert.deepEqual(header?.httpHeader.values, [MOCK_ORIGIN_SECRET]);
});

cloudfront('CloudFront caches nothing and hands the ALB every method, query string and header but Host', ({ run }) => {
  const distribution = run.one(T.distribution);
  const behavior = input<{ cachePolicyId: string; originRequestPolicyId: string; allowedMethods: string[]; targetOriginId: string }>(distribution, 'defaultCacheBehavior');
  assert.equal(behavior.cachePolicyId, 'cache-policy-Managed-CachingDisabled');
  assert.equal(behavior.originRequestPolicyId, 'origin-request-policy-Managed-AllViewerExceptHostHeader');
  assert.deepEqual([...behavior.allowedMethods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  const [origin] = input<{ originId: string; domainName: string; customOriginConfig: { originProtocolPolicy: string; httpPort: number } }[]>(distribution, 'origins');
  assert.equal(origin?.originId, behavior.targetOriginId);
  assert.equal(origin?.domainName, run.output('albDnsName'));
  // The ALB's only listener, the one the origin-facing prefix list may reach.
  assert.deepEqual([origin?.customOriginConfig.originProtocolPolicy, origin?.customOriginConfig.httpPort], ['http-only', input(run.one(T.listener), 'port')]);
});

cloudfront('one NAT gateway for the VPC by default (the cost-aware choice)', ({ run }) => {
  assert.deepEqual(input(run.one(T.vpc), 'natGateways'), { strategy: 'Single' });
});
cloudfront.run();

const domain = suite<{ run: ProgramRun }>('domain: ACM certificate on the ALB');
domain.before(async (context) => {
  context.run = await runs.domain;
});

domain('HTTPS with the TLS 1.3 policy and a DNS-validated certificate; port 80 redirects with 301', ({ run }) => {
  assert.equal(run.output('url'), 'https://app.example.com');
  const listeners = run.ofType(T.listener);
  assert.equal(listeners.length, 2);
  for (const listener of listeners) {
    if (input(listener, 'protocol') === 'HTTPS') {
      assert.equal(input(listener, 'port'), 443);
      assert.equal(input(listener, 'sslPolicy'), TLS_POLICY);
      assert.ok(input(listener, 'certificateArn'));
    } else {
      assert.equal(input(listener, 'port'), 80);
      assert.deepEqual(input(listener, 'defaultActions'), [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
    }
  }
  assert.equal(input(run.one(T.certificate), 'validationMethod'), 'DNS');
  assert.equal(run.ofType(T.distribution).length, 0);
});

domain('the validation and alias records live in the configured zone; the alias points at the ALB', ({ run }) => {
  for (const r of run.ofType(T.record)) assert.equal(input(r, 'zoneId'), MOCK_ZONE_ID);
  const alias = run.one(T.record, '-alias');
  assert.equal(input(alias, 'name'), 'app.example.com');
  assert.equal(input(alias, 'type'), 'A');
  assert.equal(input<{ name: string }[]>(alias, 'aliases')[0]?.name, run.output('albDnsName'));
});

domain('natGateways: perAz gives every zone its own NAT gateway', ({ run }) => {
  assert.deepEqual(input(run.one(T.vpc), 'natGateways'), { strategy: 'OnePerAz' });
});

domain('alertEmail subscribes that address to the alert topic', ({ run }) => {
  const subscription = run.one(T.subscription);
  assert.equal(input(subscription, 'protocol'), 'email');
  assert.equal(input(subscription, 'endpoint'), 'oncall@example.com');
});

domain('the shutdown settings reach the container from one place', ({ run }) => {
  const app = container(run, APP_CONTAINER);
  assert.equal(env(app).SHUTDOWN_TIMEOUT_MS, '30000');
  assert.equal(env(app).SHUTDOWN_DELAY_MS, '8000');
  assert.equal(app.stopTimeout, 35);
});
domain.run();

const grafana = suite<{ run: ProgramRun }>('Amazon Managed Grafana');
grafana.before(async (context) => {
  context.run = await runs.cloudfront;
});

grafana('the workspace uses IAM Identity Center by default, service-managed permissions and a Prometheus datasource', ({ run }) => {
  const workspace = run.one(T.grafanaWorkspace);
  assert.deepEqual(input(workspace, 'authenticationProviders'), ['AWS_SSO']);
  assert.equal(input(workspace, 'permissionType'), 'SERVICE_MANAGED');
  assert.deepEqual(input(workspace, 'dataSources'), ['PROMETHEUS']);
  assert.equal(input(workspace, 'grafanaVersion'), DEFAULT_GRAFANA_VERSION);
  assert.match(String(run.output('grafanaUrl')), /^https:\/\/.+\.grafana-workspace\./);
});

grafana('the AMP datasource signs with SigV4 as the workspace role and has the local uid', ({ run }) => {
  const datasource = run.one(T.datasource);
  assert.equal(input(datasource, 'uid'), DATASOURCE_UID);
  assert.equal(input(datasource, 'type'), 'prometheus');
  assert.equal(input(datasource, 'url'), MOCK_AMP_ENDPOINT.replace(/\/$/, ''));
  const jsonData = JSON.parse(input<string>(datasource, 'jsonDataEncoded')) as Record<string, unknown>;
  assert.equal(jsonData.sigV4Auth, true);
  assert.equal(jsonData.sigV4AuthType, 'ec2_iam_role');
});

grafana('the dashboards pushed to AMG are the local files, unchanged, through the token-authenticated provider', ({ run }) => {
  const files = localFiles(path.join(OBSERVABILITY, 'grafana', 'dashboards'), /\.json$/);
  assert.ok(files.size > 0);
  const pushed = run.ofType(T.dashboard);
  assert.equal(pushed.length, files.size);
  for (const [fileName, content] of files) {
    const dashboard = pushed.find((d) => d.name.endsWith(`-dashboard-${fileName}`));
    assert.ok(dashboard, fileName);
    assert.equal(input(dashboard, 'configJson'), content);
    assert.match(dashboard.provider ?? '', /[:$]pulumi:providers:grafana::/);
  }
  const provider = run.one('pulumi:providers:grafana');
  assert.equal(input(provider, 'auth'), 'glsa_mock_token');
  assert.equal(input(provider, 'url'), run.output('grafanaUrl'));
});
grafana.run();

const noGrafana = suite<{ run: ProgramRun }>('grafana: false');
noGrafana.before(async (context) => {
  context.run = await runs.noGrafana;
});
noGrafana('creates no AMG workspace, role, token or Grafana objects, and exports no grafanaUrl', ({ run }) => {
  const grafanaSide = run.resources.filter((r) => r.type.startsWith('aws:grafana/') || r.type.startsWith('grafana:') || r.type === 'pulumi:providers:grafana' || r.name.endsWith('-grafana'));
  assert.deepEqual(grafanaSide.map((r) => `${r.type} ${r.name}`), []);
  assert.equal(run.output('grafanaUrl'), undefined);
  assert.equal(run.ofType(T.ruleGroups).length > 0, true, 'metrics and alerts stay');
});
noGrafana.run();

const badConfig = suite('bad configuration stops the program');
badConfig('an unknown httpsMode fails before any resource is created, naming the key', async () => {
  const run = await runs.badMode;
  assert.match(run.result.error ?? '', /"httpsMode".*"ftp"/);
  assert.deepEqual(run.resources, []);
});
badConfig.run();
