// Policies the stack must satisfy, checked on what the real program (index.ts) asks Pulumi to create
// under mocks, for each supported shape of configuration. Each configuration runs in its own process
// (see testing/run-program.ts); all of them start at once and each suite waits for its own.
// Policies of one component alone live in the test beside it; these cross components.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { DEFAULT_GRAFANA_VERSION } from './config';
import { ORIGIN_HTTP_PORT, VPC_ORIGIN_SECURITY_GROUP } from './components/cloudfront-front';
import { COLLECTOR_HEALTH_CHECK_COMMAND, COLLECTOR_IMAGE, SCRAPE_JOB_NAME } from './components/collector-config';
import { TLS_POLICY } from './components/domain-front';
import { AMAZON_PROMETHEUS_TYPE, CORE_PROMETHEUS_TYPE, DATASOURCE_UID } from './components/grafana';
import { BLOCKED_PATHS } from './components/load-balancer';
import { APP_CONTAINER, COLLECTOR_CONTAINER } from './components/task-definition';
import { ALB_IDLE_TIMEOUT_SECONDS, APP_PORT, METRICS_PORT } from './components/timeouts';
import { STACK_MANAGED_POLICY_ARNS } from './testing/allowed-policies';
import {
  MOCK_AMP_ARN, MOCK_AMP_ENDPOINT, MOCK_CLOUDFRONT_DOMAIN, MOCK_ELB_ACCOUNT_ARN, MOCK_VPC_ORIGIN_SG_ID, MOCK_ZONE_ID,
  type RecordedResource,
} from './testing/mocks';
import { envOf, inputOf } from './testing/helpers';
import { type ProgramRun, runProgram } from './testing/program';

const OBSERVABILITY = path.join(__dirname, '..', 'observability');
const BOUNDARY = 'arn:aws:iam::123456789012:policy/extras-boundary';
const REGISTRY_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf';

const T = {
  provider: 'pulumi:providers:aws',
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  vpc: 'aws:ec2/vpc:Vpc',
  subnet: 'aws:ec2/subnet:Subnet',
  nat: 'aws:ec2/natGateway:NatGateway',
  alb: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  listener: 'aws:lb/listener:Listener',
  rule: 'aws:lb/listenerRule:ListenerRule',
  distribution: 'aws:cloudfront/distribution:Distribution',
  vpcOrigin: 'aws:cloudfront/vpcOrigin:VpcOrigin',
  certificate: 'aws:acm/certificate:Certificate',
  record: 'aws:route53/record:Record',
  cluster: 'aws:ecs/cluster:Cluster',
  capacityProviders: 'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders',
  taskDefinition: 'aws:ecs/taskDefinition:TaskDefinition',
  service: 'aws:ecs/service:Service',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  scalingTarget: 'aws:appautoscaling/target:Target',
  scalingPolicy: 'aws:appautoscaling/policy:Policy',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  attachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  bucket: 'aws:s3/bucket:Bucket',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  ruleGroups: 'aws:amp/ruleGroupNamespace:RuleGroupNamespace',
  alertmanager: 'aws:amp/alertManagerDefinition:AlertManagerDefinition',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  grafanaWorkspace: 'aws:grafana/workspace:Workspace',
  roleAssociation: 'aws:grafana/roleAssociation:RoleAssociation',
  datasource: 'grafana:oss/dataSource:DataSource',
  dashboard: 'grafana:oss/dashboard:Dashboard',
  healthCheck: 'aws:route53/healthCheck:HealthCheck',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
} as const;

// --- helpers over recorded inputs

/** Mock ids are "<name>-id"; mock ARNs end with ":<name>". */
const idOf = (r: RecordedResource): string => `${r.name}-id`;
const arnOf = (r: RecordedResource): string => `arn:aws:${r.type.split(':')[1]?.split('/')[0]}:eu-west-1:123456789012:${r.name}`;

interface ContainerDefinition {
  name: string;
  image: string;
  user?: string;
  repositoryCredentials?: { credentialsParameter: string };
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
  return JSON.parse(inputOf<string>(run.one(T.taskDefinition), 'containerDefinitions')) as ContainerDefinition[];
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
  return run.ofType(T.rolePolicy).flatMap((p) => (JSON.parse(inputOf<string>(p, 'policy')) as { Statement: PolicyStatement[] }).Statement);
}
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
/** The Network's subnet names ("<stack>-<kind>-<zone>") and their mock ids, in zone order. */
const subnetNames = (e: { stack: string; zones: number }, kind: string): string[] => Array.from({ length: e.zones }, (_, zone) => `${e.stack}-${kind}-${zone}`);
const subnetIds = (e: { stack: string; zones: number }, kind: string): string[] => subnetNames(e, kind).map((n) => `${n}-id`);

function ingressOf(run: ProgramRun, securityGroup: RecordedResource): RecordedResource[] {
  return run.ofType(T.ingress).filter((r) => inputOf(r, 'securityGroupId') === idOf(securityGroup));
}

function taskSecurityGroups(run: ProgramRun): RecordedResource[] {
  const ids = inputOf<{ securityGroups: string[] }>(run.one(T.service), 'networkConfiguration').securityGroups;
  assert.ok(ids.length > 0);
  return run.ofType(T.sg).filter((sg) => ids.includes(idOf(sg)));
}

function localFiles(dir: string, pattern: RegExp): Map<string, string> {
  return new Map(fs.readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => [f.replace(/\.(ya?ml|json)$/, ''), fs.readFileSync(path.join(dir, f), 'utf8')]));
}

interface CollectorConfig {
  extensions: Record<string, unknown>;
  receivers: { prometheus: { config: { global: { scrape_interval: string }; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] } } };
  processors: Record<string, unknown>;
  exporters: { prometheusremotewrite: { endpoint: string; auth: { authenticator: string } } };
  service: { extensions: string[]; pipelines: { metrics: { processors: string[] } } };
}
function collectorConfigOf(run: ProgramRun): CollectorConfig {
  const yaml = envOf(container(run, COLLECTOR_CONTAINER)).AOT_CONFIG_CONTENT;
  assert.ok(yaml, 'the collector gets its config in AOT_CONFIG_CONTENT');
  return parse(yaml) as CollectorConfig;
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
  small: runProgram({ profile: 'small' }, 'small'),
  // Fargate Spot takes ARM64 tasks (platform 1.4.0 and later), so the small profile keeps its architecture.
  smallSpot: runProgram({ profile: 'small', fargateSpot: 'true' }, 'small'),
  extras: runProgram({
    grafanaVersion: '10.4', grafanaAdmins: '["group:g-admins","user:u-alice"]', grafanaEditors: '["user:u-bob"]', grafanaViewers: '["group:g-viewers"]',
    iamPermissionsBoundaryArn: BOUNDARY, imageCredentialsSecretArn: REGISTRY_SECRET, scrapeIntervalSeconds: '30',
  }, 'extras'),
  scrape60: runProgram({ scrapeIntervalSeconds: '60' }),
  badMode: runProgram({ httpsMode: 'ftp' }),
  badPrefix: runProgram({ namePrefix: 'internal' }),
  badRegion: runProgram({ 'aws:region': 'ap-east-1' }),
};

// --- policies every configuration must satisfy

interface Expected { minTasks: number; maxTasks: number; stack: string; zones: number; small?: boolean; domain?: boolean; boundary?: string }

function commonPolicies(label: string, which: keyof typeof runs, expected: Expected) {
  const test = suite<{ run: ProgramRun }>(`stack policies (${label})`);
  test.before(async (context) => {
    context.run = await runs[which];
    assert.equal(context.run.result.error, undefined, context.run.result.error);
  });

  // Route 53 health-check and CloudFront metrics exist only in us-east-1, so their alarms (and the
  // topic they notify) use a second provider; nothing else does.
  test('every AWS resource goes through a provider that tags it with the stack; only edge alarms and their topic leave the stack\'s region', ({ run }) => {
    const providers = run.ofType(T.provider);
    assert.deepEqual(providers.map((p) => inputOf(p, 'region')).sort(), ['eu-west-1', 'us-east-1']);
    for (const provider of providers) {
      const tags = (JSON.parse(inputOf<string>(provider, 'defaultTags')) as { tags: Record<string, string> }).tags;
      assert.equal(tags['pulumi:stack'], expected.stack);
    }
    const awsResources = run.resources.filter((r) => r.custom && r.type.startsWith('aws:'));
    assert.ok(awsResources.length > 30);
    for (const r of awsResources) assert.match(r.provider ?? '', /[:$]pulumi:providers:aws::/, `${r.type} ${r.name} uses a tagged provider`);
    const elsewhere = awsResources.filter((r) => /-aws-us-east-1::/.test(r.provider ?? '')).map((r) => r.type);
    assert.ok(elsewhere.length >= 2);
    for (const type of elsewhere) assert.ok(['aws:cloudwatch/metricAlarm:MetricAlarm', 'aws:sns/topic:Topic', 'aws:sns/topicPolicy:TopicPolicy', 'aws:sns/topicSubscription:TopicSubscription'].includes(type), type);
  });

  test('a Route 53 check reads /health over HTTPS at the public URL and alarms in us-east-1; ALB errors and unhealthy targets alarm to the alerts topic', ({ run }) => {
    const check = run.one(T.healthCheck);
    assert.equal(`https://${inputOf<string>(check, 'fqdn')}`, run.output('url'));
    assert.deepEqual([inputOf(check, 'type'), inputOf(check, 'resourcePath'), inputOf(check, 'searchString')], ['HTTPS_STR_MATCH', '/health', "OK I'm healthy"]);
    const health = run.one(T.alarm, '-public-health');
    assert.deepEqual(inputOf(health, 'dimensions'), { HealthCheckId: idOf(check) });
    assert.match(health.provider ?? '', /-aws-us-east-1::/);
    for (const suffix of ['-alb-5xx', '-alb-unhealthy']) assert.deepEqual(inputOf(run.one(T.alarm, suffix), 'alarmActions'), [run.output('alertTopicArn')], suffix);
    assert.equal(run.ofType(T.alarm).some((a) => a.name.endsWith('-cloudfront-5xx')), !expected.domain);
  });

  test('Watchdog reaches a heartbeat topic of its own, and AMP logs its ruler and alert manager to a vended log group', ({ run }) => {
    const definition = parse(inputOf<string>(run.one(T.alertmanager), 'definition')) as { alertmanager_config: string };
    const config = parse(definition.alertmanager_config) as { route: { routes: { receiver: string; matchers: string[] }[] }; receivers: { name: string; sns_configs: { topic_arn: string }[] }[] };
    const watchdog = config.route.routes.find((r) => r.matchers.some((m) => m.includes('Watchdog')));
    assert.equal(config.receivers.find((r) => r.name === watchdog?.receiver)?.sns_configs[0]?.topic_arn, run.output('heartbeatTopicArn'));
    assert.notEqual(run.output('heartbeatTopicArn'), run.output('alertTopicArn'));
    const workspace = run.one('aws:amp/workspace:Workspace');
    assert.match(inputOf<{ logGroupArn: string }>(workspace, 'loggingConfiguration').logGroupArn, /-amp-logs:\*$/);
    assert.equal(inputOf(run.one(T.logGroup, '-amp-logs'), 'name'), `/aws/vendedlogs/prometheus/${expected.stack}`);
  });

  test('every resource name (so every role name) is derived from the stack, so two stacks can share an account', ({ run }) => {
    for (const r of run.resources) assert.ok(r.name.startsWith(`${expected.stack}-`) || r.name === expected.stack, `${r.type} ${r.name}`);
    assert.ok(run.ofType(T.role).length >= 2);
  });

  test('the VPC spans the configured zones (at least two, by zone ID), each with a public subnet and a private or isolated one', ({ run }) => {
    const vpc = run.one(T.vpc);
    assert.ok(expected.zones >= 2);
    assert.equal(inputOf(vpc, 'cidrBlock'), '10.0.0.0/16');
    const inner = expected.small ? 'isolated' : 'private';
    const subnets = run.ofType(T.subnet);
    assert.deepEqual(subnets.map((s) => s.name).sort(), [...subnetNames(expected, 'public'), ...subnetNames(expected, inner)].sort());
    for (const s of subnets) assert.equal(inputOf(s, 'vpcId'), idOf(vpc));
    // Zone IDs from the mock's eu-west-1 (euw1-az1..3), in ID order.
    assert.deepEqual([...new Set(subnets.map((s) => inputOf<string>(s, 'availabilityZoneId')))].sort(), ['euw1-az1', 'euw1-az2', 'euw1-az3'].slice(0, expected.zones));
  });

  test(expected.small ? 'tasks run in the public subnets with public IPs (no NAT)' : 'tasks run in exactly the private subnets, one per zone, without public IPs', ({ run }) => {
    const networkConfiguration = inputOf<{ assignPublicIp: boolean; subnets: string[] }>(run.one(T.service), 'networkConfiguration');
    assert.equal(networkConfiguration.assignPublicIp, expected.small === true);
    assert.deepEqual(networkConfiguration.subnets, subnetIds(expected, expected.small ? 'public' : 'private'));
  });

  test(expected.domain ? 'the internet-facing ALB sits in the public subnets' : 'the ALB is internal, in subnets without a route from the internet; every group and target lives in the VPC', ({ run }) => {
    const alb = run.one(T.alb);
    assert.equal(inputOf(alb, 'internal'), !expected.domain);
    const subnetKind = expected.domain ? 'public' : expected.small ? 'isolated' : 'private';
    assert.deepEqual(inputOf(alb, 'subnets'), subnetIds(expected, subnetKind));
    const vpcId = idOf(run.one(T.vpc));
    for (const r of [...run.ofType(T.sg), run.one(T.targetGroup)]) assert.equal(inputOf(r, 'vpcId'), vpcId, r.name);
    assert.equal(run.output('vpcId'), vpcId);
  });

  test('no security group of the tasks admits 0.0.0.0/0: only the load balancer reaches the app port', ({ run }) => {
    const albSg = run.one(T.sg, '-alb');
    const taskSgs = taskSecurityGroups(run);
    assert.equal(taskSgs.length, 1);
    for (const sg of taskSgs) {
      const rules = ingressOf(run, sg);
      assert.equal(rules.length, 1);
      for (const rule of rules) {
        assert.equal(inputOf(rule, 'cidrIpv4'), undefined);
        assert.equal(inputOf(rule, 'cidrIpv6'), undefined);
        assert.equal(inputOf(rule, 'prefixListId'), undefined);
        assert.equal(inputOf(rule, 'referencedSecurityGroupId'), idOf(albSg));
        assert.equal(inputOf(rule, 'fromPort'), APP_PORT);
        assert.equal(inputOf(rule, 'toPort'), APP_PORT);
      }
    }
  });

  // The collector scrapes a port nothing else can reach.
  test('the collector scrapes 127.0.0.1 on the service\'s METRICS_PORT, which no target group, listener or security group exposes', ({ run }) => {
    const app = env(container(run, APP_CONTAINER));
    assert.equal(app.METRICS_PORT, String(METRICS_PORT));
    assert.equal(app.METRICS_HOST, '127.0.0.1', 'the metrics listener binds loopback, where the collector scrapes');
    assert.notEqual(app.METRICS_PORT, app.PORT);
    const [scrape] = collectorConfigOf(run).receivers.prometheus.config.scrape_configs;
    assert.deepEqual(scrape?.static_configs[0]?.targets, [`127.0.0.1:${METRICS_PORT}`]);
    assert.notEqual(METRICS_PORT, inputOf(run.one(T.targetGroup), 'port'));
    assert.deepEqual(container(run, APP_CONTAINER).portMappings?.map((p) => p.containerPort), [APP_PORT]);
    for (const tg of run.ofType(T.targetGroup)) {
      assert.notEqual(inputOf(tg, 'port'), METRICS_PORT);
      assert.notEqual(String(inputOf<{ port?: string }>(tg, 'healthCheck').port), String(METRICS_PORT));
    }
    for (const listener of run.ofType(T.listener)) assert.notEqual(inputOf(listener, 'port'), METRICS_PORT);
    for (const rule of run.ofType(T.ingress)) {
      const from = inputOf<number>(rule, 'fromPort');
      const to = inputOf<number>(rule, 'toPort');
      assert.ok(!(from <= METRICS_PORT && METRICS_PORT <= to) && inputOf(rule, 'ipProtocol') !== '-1', `${rule.name} admits ${from}-${to}`);
    }
  });

  test('/metrics answers 403 on every forwarding listener before anything else (second line behind METRICS_PORT)', ({ run }) => {
    const forwarding = run.ofType(T.listener).filter((l) => (inputOf<{ type: string }[]>(l, 'defaultActions'))[0]?.type === 'forward');
    assert.ok(forwarding.length >= 1);
    for (const listener of forwarding) {
      const rules = run.ofType(T.rule).filter((r) => inputOf(r, 'listenerArn') === arnOf(listener));
      const block = rules.find((r) => inputOf<{ pathPattern?: { values: string[] } }[]>(r, 'conditions').some((c) => c.pathPattern?.values.includes('/metrics')));
      assert.ok(block, `a /metrics rule on ${listener.name}`);
      assert.deepEqual(inputOf<{ pathPattern: { values: string[] } }[]>(block, 'conditions')[0]?.pathPattern.values, BLOCKED_PATHS);
      assert.deepEqual(inputOf<{ type: string; fixedResponse: { statusCode: string } }[]>(block, 'actions').map((a) => [a.type, a.fixedResponse.statusCode]), [['fixed-response', '403']]);
      for (const other of rules.filter((r) => r !== block)) assert.ok(inputOf<number>(block, 'priority') < inputOf<number>(other, 'priority'));
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
      [...(inputOf<{ type: string; targetGroupArn?: string }[] | undefined>(r, 'defaultActions') ?? []), ...(inputOf<{ type: string; targetGroupArn?: string }[] | undefined>(r, 'actions') ?? [])]
        .some((a) => a.type === 'forward' && a.targetGroupArn === arnOf(run.one(T.targetGroup)));
    assert.ok(routing.some(forwardsToTargetGroup), 'a listener or rule forwards to the target group');
    for (const r of routing) assert.ok(created(r) < created(service), `${r.type} ${r.name} exists before the ECS service`);
  });

  test('the target group checks /ready, drains quickly, and the ALB idles out before Node does', ({ run }) => {
    const tg = run.one(T.targetGroup);
    assert.equal(inputOf<{ path: string }>(tg, 'healthCheck').path, '/ready');
    assert.ok(inputOf<number>(tg, 'deregistrationDelay') < 300);
    assert.equal(inputOf(tg, 'port'), APP_PORT);
    const idleTimeout = inputOf<number>(run.one(T.alb), 'idleTimeout');
    assert.equal(idleTimeout, ALB_IDLE_TIMEOUT_SECONDS);
    const app = env(container(run, APP_CONTAINER));
    assert.ok(Number(app.KEEP_ALIVE_TIMEOUT_MS) > idleTimeout * 1000);
    assert.ok(Number(app.HEADERS_TIMEOUT_MS) > Number(app.KEEP_ALIVE_TIMEOUT_MS));
  });

  test('the ALB writes access logs to an encrypted, private bucket that expires them; deletion protection follows the stack', ({ run }) => {
    const alb = run.one(T.alb);
    const bucket = run.one(T.bucket, '-alb-logs');
    const logs = inputOf<{ bucket: string; enabled: boolean; prefix: string }>(alb, 'accessLogs');
    assert.deepEqual([logs.bucket, logs.enabled], [idOf(bucket), true]);
    assert.equal(inputOf(alb, 'enableDeletionProtection'), expected.stack === 'prod');
    assert.equal(inputOf(bucket, 'forceDestroy'), expected.stack !== 'prod');
    const ofBucket = (type: string) => run.ofType(type).filter((r) => inputOf(r, 'bucket') === idOf(bucket));
    const [block] = ofBucket(T.publicAccessBlock);
    assert.ok(block);
    for (const key of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets']) assert.equal(inputOf(block, key), true, key);
    assert.equal(inputOf<{ applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[]>(ofBucket(T.encryption)[0] as RecordedResource, 'rules')[0]?.applyServerSideEncryptionByDefault.sseAlgorithm, 'AES256');
    const [expiry] = inputOf<{ status: string; expiration: { days: number } }[]>(ofBucket(T.lifecycle)[0] as RecordedResource, 'rules');
    assert.equal(expiry?.status, 'Enabled');
    assert.ok((expiry?.expiration.days ?? 0) > 0);
    const policy = JSON.parse(inputOf<string>(ofBucket(T.bucketPolicy)[0] as RecordedResource, 'policy')) as { Statement: { Effect: string; Principal: { AWS?: string }; Action: string; Resource: string }[] };
    const write = policy.Statement.find((s) => s.Effect === 'Allow');
    assert.equal(write?.Principal.AWS, MOCK_ELB_ACCOUNT_ARN);
    assert.equal(write?.Action, 's3:PutObject');
    assert.match(write?.Resource ?? '', new RegExp(`/${logs.prefix}/AWSLogs/123456789012/\\*$`));
    // The policy exists before the ALB, or AWS refuses access logs on creation.
    assert.ok(run.resources.indexOf(ofBucket(T.bucketPolicy)[0] as RecordedResource) < run.resources.indexOf(alb));
  });

  test('the app container is read-only, init-managed, health-checked without a shell', ({ run }) => {
    const app = container(run, APP_CONTAINER);
    assert.match(app.image, /^docker\.io\/example\/observable-service:[0-9a-f]{40}$/);
    assert.equal(app.user, undefined, 'the image\'s own non-root USER applies');
    assert.equal(app.readonlyRootFilesystem, true);
    assert.equal(app.linuxParameters?.initProcessEnabled, true);
    assert.equal(app.healthCheck?.command[0], 'CMD');
    assert.equal(env(app).PORT, String(APP_PORT));
  });

  test('stopTimeout gives the service its whole shutdown deadline and stays within Fargate\'s 120 s', ({ run }) => {
    const app = container(run, APP_CONTAINER);
    const deadlineMs = Number(env(app).SHUTDOWN_TIMEOUT_MS);
    assert.ok(Number(env(app).SHUTDOWN_DELAY_MS) < deadlineMs);
    assert.ok(app.stopTimeout !== undefined && app.stopTimeout * 1000 > deadlineMs && app.stopTimeout <= 120, `stopTimeout ${app.stopTimeout}`);
  });

  test('no secret travels in `environment`; nothing reads SSM', ({ run }) => {
    for (const c of containers(run)) {
      for (const { name, value } of c.environment ?? []) {
        assert.doesNotMatch(name, /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i, `${c.name}: ${name}`);
        assert.ok(!value.includes('glsa_mock_token'), `${c.name}: ${name}`);
      }
    }
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith('aws:ssm/') || r.type.startsWith('random:')).map((r) => r.name), []);
  });

  test('the collector is hardened: memory_limiter first, health_check extension the container health check uses', ({ run }) => {
    const collector = container(run, COLLECTOR_CONTAINER);
    assert.equal(collector.image, COLLECTOR_IMAGE);
    assert.match(collector.image, /:v\d+\.\d+\.\d+$/);
    assert.equal(collector.essential, false);
    assert.deepEqual(collector.healthCheck?.command, COLLECTOR_HEALTH_CHECK_COMMAND);
    const config = collectorConfigOf(run);
    assert.equal(config.service.pipelines.metrics.processors[0], 'memory_limiter');
    assert.ok('memory_limiter' in config.processors);
    assert.ok(config.service.extensions.includes('health_check') && 'health_check' in config.extensions);
    const [scrape] = config.receivers.prometheus.config.scrape_configs;
    assert.equal(scrape?.job_name, SCRAPE_JOB_NAME);
    assert.equal(config.exporters.prometheusremotewrite.endpoint, `${MOCK_AMP_ENDPOINT}api/v1/remote_write`);
    assert.equal(config.exporters.prometheusremotewrite.auth.authenticator, 'sigv4auth');
  });

  test('deployments roll back on failure and `pulumi up` waits for steady state', ({ run }) => {
    const service = run.one(T.service);
    assert.deepEqual(inputOf(service, 'deploymentCircuitBreaker'), { enable: true, rollback: true });
    assert.equal(inputOf(service, 'waitForSteadyState'), true);
    assert.equal(inputOf(run.one(T.taskDefinition), 'requiresCompatibilities')?.toString(), 'FARGATE');
  });

  test('Container Insights is on and logs are kept for a bounded time', ({ run }) => {
    assert.deepEqual(inputOf(run.one(T.cluster), 'settings'), [{ name: 'containerInsights', value: 'enabled' }]);
    for (const group of run.ofType(T.logGroup)) assert.equal(inputOf(group, 'retentionInDays'), 30, group.name);
  });

  test('autoscaling tracks CPU and requests per target within the configured bounds', ({ run }) => {
    const target = run.one(T.scalingTarget);
    assert.equal(inputOf(target, 'minCapacity'), expected.minTasks);
    assert.equal(inputOf(target, 'maxCapacity'), expected.maxTasks);
    assert.equal(inputOf(run.one(T.service), 'desiredCount'), expected.minTasks);
    const metrics = run.ofType(T.scalingPolicy).map((p) => inputOf<{ predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string } }>(p, 'targetTrackingScalingPolicyConfiguration').predefinedMetricSpecification);
    assert.deepEqual(metrics.map((m) => m.predefinedMetricType).sort(), ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    const label = metrics.find((m) => m.predefinedMetricType === 'ALBRequestCountPerTarget')?.resourceLabel;
    assert.match(label ?? '', /^app\/.+\/targetgroup\/.+$/);
  });

  test('the rule group namespaces are exactly the files in observability/prometheus/rules', ({ run }) => {
    const files = localFiles(path.join(OBSERVABILITY, 'prometheus', 'rules'), /\.ya?ml$/);
    assert.ok(files.size > 0);
    const uploaded = new Map(run.ofType(T.ruleGroups).map((r) => [inputOf<string>(r, 'name'), inputOf<string>(r, 'data')]));
    assert.deepEqual(uploaded, files);
    for (const r of run.ofType(T.ruleGroups)) assert.equal(inputOf(r, 'workspaceId'), 'ws-00000000-1111-2222-3333-444444444444');
  });

  test('alerts route to the SNS topic', ({ run }) => {
    const definition = parse(inputOf<string>(run.one(T.alertmanager), 'definition')) as { alertmanager_config: string };
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

  // The bootstrap's deploy role creates roles only with the boundary, and attaches only the managed policies it lists.
  test('every IAM role carries the configured permissions boundary, and every managed policy attached is one the bootstrap allows', ({ run }) => {
    for (const role of run.ofType(T.role)) assert.equal(inputOf(role, 'permissionsBoundary'), expected.boundary, role.name);
    const attachments = run.ofType(T.attachment);
    assert.ok(attachments.length > 0);
    for (const attachment of attachments) assert.ok(STACK_MANAGED_POLICY_ARNS('aws').includes(inputOf<string>(attachment, 'policyArn')), inputOf(attachment, 'policyArn'));
  });

  // CI reads these outputs after a deploy.
  test('the outputs CI reads exist: url, clusterName, serviceName, and the task definition the service runs', ({ run }) => {
    assert.equal(run.output('ampWorkspaceId'), 'ws-00000000-1111-2222-3333-444444444444');
    assert.equal(run.output('ampEndpoint'), MOCK_AMP_ENDPOINT);
    for (const key of ['url', 'clusterName', 'serviceName', 'taskDefinitionArn', 'logGroupName', 'alertTopicArn', 'vpcId']) assert.equal(typeof run.output(key), 'string', key);
    assert.match(String(run.output('url')), /^https:\/\//);
    assert.equal(run.output('taskDefinitionArn'), inputOf(run.one(T.service), 'taskDefinition'));
    assert.match(String(run.output('taskDefinitionArn')), /:task-definition\/.+:\d+$/);
  });

  return test;
}

commonPolicies('no domain: CloudFront', 'cloudfront', { minTasks: 2, maxTasks: 4, stack: 'test', zones: 2 }).run();
commonPolicies('domain', 'domain', { minTasks: 3, maxTasks: 7, stack: 'prod', zones: 3, domain: true }).run();
commonPolicies('grafana: false', 'noGrafana', { minTasks: 2, maxTasks: 4, stack: 'test', zones: 2 }).run();
commonPolicies('profile: small', 'small', { minTasks: 1, maxTasks: 1, stack: 'small', zones: 2, small: true }).run();
commonPolicies('boundary, private image, Grafana 10.4', 'extras', { minTasks: 2, maxTasks: 4, stack: 'extras', zones: 2, boundary: BOUNDARY }).run();

// --- mode-specific policies

const cloudfront = suite<{ run: ProgramRun }>('no domain: CloudFront VPC origin in front of an internal ALB');
cloudfront.before(async (context) => {
  context.run = await runs.cloudfront;
});

cloudfront('viewers get https://<id>.cloudfront.net and plain HTTP is redirected to HTTPS', ({ run }) => {
  assert.equal(run.output('url'), `https://${MOCK_CLOUDFRONT_DOMAIN}`);
  const distribution = run.one(T.distribution);
  const behaviors = [inputOf<{ viewerProtocolPolicy: string }>(distribution, 'defaultCacheBehavior'), ...(inputOf<{ viewerProtocolPolicy: string }[] | undefined>(distribution, 'orderedCacheBehaviors') ?? [])];
  for (const b of behaviors) assert.equal(b.viewerProtocolPolicy, 'redirect-to-https');
  assert.equal(run.ofType(T.certificate).length, 0);
});

// No shared secret to leak: the ALB has no public address at all.
cloudfront('CloudFront reaches the ALB through a VPC origin: no custom origin, no secret header, no public ALB', ({ run }) => {
  const vpcOrigin = run.one(T.vpcOrigin);
  const endpoint = inputOf<{ arn: string; httpPort: number; originProtocolPolicy: string }>(vpcOrigin, 'vpcOriginEndpointConfig');
  assert.equal(endpoint.arn, arnOf(run.one(T.alb)));
  assert.deepEqual([endpoint.originProtocolPolicy, endpoint.httpPort], ['http-only', inputOf(run.one(T.listener), 'port')]);
  const [origin, ...others] = inputOf<{ domainName: string; vpcOriginConfig?: { vpcOriginId: string }; customOriginConfig?: unknown; customHeaders?: unknown[] }[]>(run.one(T.distribution), 'origins');
  assert.deepEqual(others, []);
  assert.equal(origin?.vpcOriginConfig?.vpcOriginId, idOf(vpcOrigin));
  assert.equal(origin?.domainName, run.output('albDnsName'));
  assert.equal(origin?.customOriginConfig, undefined);
  assert.deepEqual(origin?.customHeaders ?? [], []);
  assert.equal(inputOf(run.one(T.alb), 'internal'), true);
  // The listener forwards everything: only CloudFront can reach it, so there is nothing to check per request.
  assert.deepEqual(inputOf<{ type: string }[]>(run.one(T.listener), 'defaultActions').map((a) => a.type), ['forward']);
  assert.equal(run.ofType(T.rule).filter((r) => inputOf<{ httpHeader?: unknown }[]>(r, 'conditions').some((c) => c.httpHeader)).length, 0);
});

cloudfront('the ALB admits only the security group CloudFront creates for its VPC-origin interfaces, looked up once the origin exists', ({ run }) => {
  const rules = ingressOf(run, run.one(T.sg, '-alb'));
  assert.equal(rules.length, 1);
  const [rule] = rules;
  assert.ok(rule);
  assert.equal(inputOf(rule, 'referencedSecurityGroupId'), MOCK_VPC_ORIGIN_SG_ID);
  assert.deepEqual([inputOf(rule, 'fromPort'), inputOf(rule, 'toPort')], [ORIGIN_HTTP_PORT, ORIGIN_HTTP_PORT]);
  for (const key of ['cidrIpv4', 'cidrIpv6', 'prefixListId']) assert.equal(inputOf(rule, key), undefined, key);
  const lookup = run.result.calls.find((c) => c.token === 'aws:ec2/getSecurityGroup:getSecurityGroup');
  assert.deepEqual(lookup?.inputs.filters, [{ name: 'group-name', values: [VPC_ORIGIN_SECURITY_GROUP] }, { name: 'vpc-id', values: [idOf(run.one(T.vpc))] }]);
  assert.ok(run.resources.indexOf(run.one(T.vpcOrigin)) < run.resources.indexOf(rule));
});

cloudfront('CloudFront caches nothing and hands the ALB every method, query string and header but Host', ({ run }) => {
  const distribution = run.one(T.distribution);
  const behavior = inputOf<{ cachePolicyId: string; originRequestPolicyId: string; allowedMethods: string[]; targetOriginId: string }>(distribution, 'defaultCacheBehavior');
  assert.equal(behavior.cachePolicyId, 'cache-policy-Managed-CachingDisabled');
  assert.equal(behavior.originRequestPolicyId, 'origin-request-policy-Managed-AllViewerExceptHostHeader');
  assert.deepEqual([...behavior.allowedMethods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  const [origin] = inputOf<{ originId: string }[]>(distribution, 'origins');
  assert.equal(origin?.originId, behavior.targetOriginId);
});

cloudfront('one NAT gateway for the VPC by default (the cost-aware choice); deletion protection off outside production', ({ run }) => {
  assert.deepEqual(run.ofType(T.nat).map((n) => inputOf(n, 'subnetId')), ['test-public-0-id']);
  assert.equal(inputOf(run.one(T.alb), 'enableDeletionProtection'), false);
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
    if (inputOf(listener, 'protocol') === 'HTTPS') {
      assert.equal(inputOf(listener, 'port'), 443);
      assert.equal(inputOf(listener, 'sslPolicy'), TLS_POLICY);
      assert.ok(inputOf(listener, 'certificateArn'));
    } else {
      assert.equal(inputOf(listener, 'port'), 80);
      assert.deepEqual(inputOf(listener, 'defaultActions'), [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
    }
  }
  assert.equal(inputOf(run.one(T.certificate), 'validationMethod'), 'DNS');
  assert.equal(run.ofType(T.distribution).length, 0);
  assert.equal(run.ofType(T.vpcOrigin).length, 0);
});

domain('the validation and alias records live in the configured zone; the alias points at the ALB', ({ run }) => {
  for (const r of run.ofType(T.record)) assert.equal(inputOf(r, 'zoneId'), MOCK_ZONE_ID);
  const alias = run.one(T.record, '-alias');
  assert.equal(inputOf(alias, 'name'), 'app.example.com');
  assert.equal(inputOf(alias, 'type'), 'A');
  assert.equal(inputOf<{ name: string }[]>(alias, 'aliases')[0]?.name, run.output('albDnsName'));
});

domain('natGateways: perAz gives every zone its own NAT gateway', ({ run }) => {
  assert.deepEqual(run.ofType(T.nat).map((n) => inputOf(n, 'subnetId')).sort(), ['prod-public-0-id', 'prod-public-1-id', 'prod-public-2-id']);
});

domain('a stack named prod protects its load balancer and log bucket from deletion', ({ run }) => {
  assert.equal(inputOf(run.one(T.alb), 'enableDeletionProtection'), true);
  assert.equal(inputOf(run.one(T.bucket, '-alb-logs'), 'forceDestroy'), false);
});

domain('alertEmail subscribes that address to the alert topic, and to the us-east-1 topic of the edge alarms', ({ run }) => {
  const subscriptions = run.ofType(T.subscription);
  assert.deepEqual(subscriptions.map((s) => [inputOf(s, 'protocol'), inputOf(s, 'endpoint')]), [['email', 'oncall@example.com'], ['email', 'oncall@example.com']]);
  assert.deepEqual(subscriptions.map((s) => inputOf(s, 'topic')).sort(), [run.output('alertTopicArn'), arnOf(run.one('aws:sns/topic:Topic', '-edge-alerts'))].sort());
});

domain('the shutdown settings reach the container from one place', ({ run }) => {
  const app = container(run, APP_CONTAINER);
  assert.equal(env(app).SHUTDOWN_TIMEOUT_MS, '30000');
  assert.equal(env(app).SHUTDOWN_DELAY_MS, '8000');
  assert.equal(app.stopTimeout, 35);
});
domain.run();

const small = suite<{ run: ProgramRun }>('profile: small');
small.before(async (context) => {
  context.run = await runs.small;
});
small('no NAT gateway; the internal ALB sits in isolated subnets of a VPC that still has public subnets (and so an internet gateway)', ({ run }) => {
  assert.equal(run.ofType(T.nat).length, 0);
  assert.equal(run.ofType('aws:ec2/internetGateway:InternetGateway').length, 1);
  assert.deepEqual(inputOf(run.one(T.alb), 'subnets'), ['small-isolated-0-id', 'small-isolated-1-id']);
});
small('one 0.25 vCPU / 0.5 GB ARM64 task on on-demand Fargate, and no Grafana unless asked for', ({ run }) => {
  const taskDefinition = run.one(T.taskDefinition);
  assert.deepEqual([inputOf(taskDefinition, 'cpu'), inputOf(taskDefinition, 'memory')], ['256', '512']);
  assert.equal(inputOf<{ cpuArchitecture: string }>(taskDefinition, 'runtimePlatform').cpuArchitecture, 'ARM64');
  const service = run.one(T.service);
  assert.equal(inputOf(service, 'desiredCount'), 1);
  assert.equal(inputOf(service, 'launchType'), 'FARGATE');
  assert.equal(run.ofType(T.capacityProviders).length, 0);
  assert.equal(run.ofType(T.grafanaWorkspace).length, 0);
});
// ECS API reference, CapacityProviderStrategyItem: Fargate Spot runs ARM64 tasks on platform 1.4.0 and later,
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
small('on Fargate Spot: the small profile\'s ARM64 task on the FARGATE_SPOT capacity provider', async () => {
  const run = await runs.smallSpot;
  assert.equal(run.result.error, undefined, run.result.error);
  assert.equal(inputOf<{ cpuArchitecture: string }>(run.one(T.taskDefinition), 'runtimePlatform').cpuArchitecture, 'ARM64');
  const service = run.one(T.service);
  assert.equal(inputOf(service, 'launchType'), undefined);
  assert.deepEqual(inputOf(service, 'capacityProviderStrategies'), [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  assert.deepEqual(inputOf(run.one(T.capacityProviders), 'capacityProviders'), ['FARGATE', 'FARGATE_SPOT']);
});
small('the default profile is unchanged: on-demand Fargate, x86, 2 tasks of 0.5 vCPU / 1 GB', async () => {
  const run = await runs.cloudfront;
  assert.equal(inputOf(run.one(T.service), 'launchType'), 'FARGATE');
  assert.deepEqual([inputOf(run.one(T.taskDefinition), 'cpu'), inputOf(run.one(T.taskDefinition), 'memory')], ['512', '1024']);
  assert.equal(run.ofType(T.capacityProviders).length, 0);
});
small.run();

const rollout = suite('collector configuration reaches running tasks');
rollout('a new scrape interval makes a new task definition (so ECS rolls it out)', async () => {
  const [base, changed] = await Promise.all([runs.cloudfront, runs.scrape60]);
  const definitions = (run: ProgramRun) => inputOf<string>(run.one(T.taskDefinition), 'containerDefinitions');
  assert.notEqual(definitions(changed), definitions(base));
  assert.equal(collectorConfigOf(changed).receivers.prometheus.config.global.scrape_interval, '60s');
  assert.equal(collectorConfigOf(base).receivers.prometheus.config.global.scrape_interval, '15s');
});
rollout.run();

// EC2 refuses a subnet that overlaps another in the VPC, and Pulumi creates replacements before it
// deletes what they replace: every layout must keep its subnets apart from every other layout's.
const layouts = suite('changing profile or availabilityZones on an existing stack');
layouts('no subnet of one layout overlaps a subnet of another (default 2 zones, default 3 zones, small 2 zones)', async () => {
  const blocks = async (run: Promise<ProgramRun>) => (await run).ofType(T.subnet).map((s) => inputOf<string>(s, 'cidrBlock'));
  const span = (cidr: string): [number, number] => {
    const [address, mask] = cidr.split('/') as [string, string];
    const start = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    return [start, start + 2 ** (32 - Number(mask)) - 1];
  };
  const all = [await blocks(runs.cloudfront), await blocks(runs.domain), await blocks(runs.small)];
  assert.deepEqual(all.map((b) => b.length), [4, 6, 4]);
  for (const [i, mine] of all.entries()) {
    for (const theirs of all.slice(i + 1)) {
      for (const a of mine) {
        for (const b of theirs) {
          const [a0, a1] = span(a);
          const [b0, b1] = span(b);
          assert.ok(a1 < b0 || b1 < a0, `${a} overlaps ${b}`);
        }
      }
    }
  }
});
layouts.run();

const grafana = suite<{ run: ProgramRun }>('Amazon Managed Grafana');
grafana.before(async (context) => {
  context.run = await runs.cloudfront;
});

// AWS's CreateWorkspace reference: "Use only the CUSTOMER_MANAGED permission type when creating a
// workspace with the API, CLI or AWS CloudFormation" (SERVICE_MANAGED is the console's).
grafana('the workspace uses IAM Identity Center by default, the role the program scopes (customer-managed permissions) and the version the dashboards are made for', ({ run }) => {
  const workspace = run.one(T.grafanaWorkspace);
  assert.deepEqual(inputOf(workspace, 'authenticationProviders'), ['AWS_SSO']);
  assert.equal(inputOf(workspace, 'permissionType'), 'CUSTOMER_MANAGED');
  assert.equal(inputOf(workspace, 'roleArn'), arnOf(run.one(T.role, '-grafana')));
  assert.deepEqual(inputOf(workspace, 'dataSources'), ['PROMETHEUS']);
  assert.equal(inputOf(workspace, 'grafanaVersion'), DEFAULT_GRAFANA_VERSION);
  assert.match(String(run.output('grafanaUrl')), /^https:\/\/.+\.grafana-workspace\./);
});

// Grafana 12 has no SigV4 in the core plugin.
grafana('Grafana 12: the AMP data source is the Amazon Managed Service for Prometheus plugin, signing with SigV4 as the workspace role', ({ run }) => {
  const datasource = run.one(T.datasource);
  assert.equal(inputOf(datasource, 'uid'), DATASOURCE_UID);
  assert.equal(inputOf(datasource, 'type'), AMAZON_PROMETHEUS_TYPE);
  assert.equal(inputOf(datasource, 'url'), MOCK_AMP_ENDPOINT.replace(/\/$/, ''));
  const jsonData = JSON.parse(inputOf<string>(datasource, 'jsonDataEncoded')) as Record<string, unknown>;
  assert.equal(jsonData.sigV4Auth, true);
  assert.equal(jsonData.sigV4AuthType, 'ec2_iam_role');
  assert.equal(jsonData.timeInterval, '15s');
});

grafana('Grafana 12: the dashboard pushed selects the plugin type; everything else is the local file', ({ run }) => {
  const files = localFiles(path.join(OBSERVABILITY, 'grafana', 'dashboards'), /\.json$/);
  assert.ok(files.size > 0);
  const pushed = run.ofType(T.dashboard);
  assert.equal(pushed.length, files.size);
  for (const [fileName, content] of files) {
    const dashboard = pushed.find((d) => d.name.endsWith(`-dashboard-${fileName}`));
    assert.ok(dashboard, fileName);
    const sent = inputOf<string>(dashboard, 'configJson');
    const variable = (JSON.parse(sent) as { templating: { list: { type: string; query: string }[] } }).templating.list.find((v) => v.type === 'datasource');
    assert.equal(variable?.query, AMAZON_PROMETHEUS_TYPE);
    assert.ok(!sent.includes(`"type": "${CORE_PROMETHEUS_TYPE}"`), 'no panel asks for the core plugin');
    assert.equal(sent.replaceAll(AMAZON_PROMETHEUS_TYPE, CORE_PROMETHEUS_TYPE), JSON.stringify(JSON.parse(content), null, 2));
    assert.match(dashboard.provider ?? '', /[:$]pulumi:providers:grafana::/);
  }
  const provider = run.one('pulumi:providers:grafana');
  assert.equal(inputOf(provider, 'auth'), 'glsa_mock_token');
  assert.equal(inputOf(provider, 'url'), run.output('grafanaUrl'));
});

grafana('the workspace role may list AMP rules and alerts for Grafana\'s alerting pages', ({ run }) => {
  const actions = statements(run).flatMap((s) => list(s.Action));
  for (const action of ['aps:QueryMetrics', 'aps:ListRules', 'aps:ListAlerts']) assert.ok(actions.includes(action), action);
});

grafana('Grafana 10.4 keeps the core prometheus plugin and pushes the dashboard unchanged', async () => {
  const run = await runs.extras;
  assert.equal(inputOf(run.one(T.datasource), 'type'), CORE_PROMETHEUS_TYPE);
  assert.equal(JSON.parse(inputOf<string>(run.one(T.datasource), 'jsonDataEncoded')).timeInterval, '30s');
  const files = localFiles(path.join(OBSERVABILITY, 'grafana', 'dashboards'), /\.json$/);
  for (const [fileName, content] of files) assert.equal(inputOf(run.one(T.dashboard, `-dashboard-${fileName}`), 'configJson'), content);
});

grafana('sign-in needs no console step: Identity Center groups and users get their roles from config', async () => {
  const run = await runs.extras;
  const associations = run.ofType(T.roleAssociation).map((a) => [inputOf<string>(a, 'role'), inputOf(a, 'groupIds'), inputOf(a, 'userIds'), inputOf(a, 'workspaceId')])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const workspaceId = idOf(run.one(T.grafanaWorkspace));
  // An empty list is left out: an association names groups, users or both.
  assert.deepEqual(associations, [
    ['ADMIN', ['g-admins'], ['u-alice'], workspaceId],
    ['EDITOR', undefined, ['u-bob'], workspaceId],
    ['VIEWER', ['g-viewers'], undefined, workspaceId],
  ]);
  assert.equal((await runs.cloudfront).ofType(T.roleAssociation).length, 0);
});
grafana.run();

const privateImage = suite<{ run: ProgramRun }>('private image (imageCredentialsSecretArn)');
privateImage.before(async (context) => {
  context.run = await runs.extras;
});
privateImage('the app pulls with the secret\'s credentials, and the execution role may read exactly that secret', ({ run }) => {
  assert.deepEqual(container(run, APP_CONTAINER).repositoryCredentials, { credentialsParameter: REGISTRY_SECRET });
  const secretGrants = statements(run).filter((s) => list(s.Action).some((a) => a.startsWith('secretsmanager:')));
  assert.deepEqual(secretGrants.map((s) => [list(s.Action), list(s.Resource)]), [[['secretsmanager:GetSecretValue'], [REGISTRY_SECRET]]]);
});
privateImage('a public image needs no credentials and no secret grant', async () => {
  const run = await runs.cloudfront;
  assert.equal(container(run, APP_CONTAINER).repositoryCredentials, undefined);
  assert.equal(statements(run).filter((s) => list(s.Action).some((a) => a.startsWith('secretsmanager:'))).length, 0);
});
privateImage.run();

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

const badConfig = suite('bad configuration stops the program before anything is created');
badConfig('an unknown httpsMode names the key', async () => {
  const run = await runs.badMode;
  assert.match(run.result.error ?? '', /"httpsMode".*"ftp"/);
  assert.deepEqual(run.resources, []);
});
badConfig('a namePrefix that gives the load balancer an "internal-" name names namePrefix', async () => {
  const run = await runs.badPrefix;
  assert.match(run.result.error ?? '', /"namePrefix".*internal-/);
  assert.deepEqual(run.resources, []);
});
badConfig('a region without Amazon Managed Service for Prometheus names aws:region', async () => {
  const run = await runs.badRegion;
  assert.match(run.result.error ?? '', /"aws:region".*Prometheus is not offered in ap-east-1/);
  assert.deepEqual(run.resources, []);
});
badConfig.run();
