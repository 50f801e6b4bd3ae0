// loadConfig: defaults a user never has to set, and one clear error naming the key for each bad value.
// Pulumi reads configuration from process-global state, so every test sets the whole configuration.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { ConfigError, DEFAULT_GRAFANA_VERSION, loadConfig, MAX_SCRAPE_INTERVAL_SECONDS, MIN_SAMPLES_PER_RULE_WINDOW, SHORTEST_RULE_WINDOW_SECONDS } from './config';
import { APP_HEALTH_CHECK_COMMAND } from './components/task-definition';
import { stopTimeoutSeconds } from './components/timeouts';
import { createMocks } from './testing/mocks';
import { BASE_CONFIG, PROJECT } from './testing/program';

function withConfig(config: Record<string, string | undefined>): () => ReturnType<typeof loadConfig> {
  const merged = Object.entries({ ...BASE_CONFIG, ...config }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return () => {
    pulumi.runtime.setAllConfig(Object.fromEntries(merged.map(([key, value]) => [key.includes(':') ? key : `${PROJECT}:${key}`, value])));
    return loadConfig();
  };
}

function throwsNaming(key: string, config: Record<string, string | undefined>, detail?: RegExp): void {
  assert.throws(withConfig(config), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(error.message.includes(`"${key}"`), `"${error.message}" names ${key}`);
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

const test = suite('loadConfig');
test.before(async () => {
  await pulumi.runtime.setMocks(createMocks([], []), PROJECT, 'dev', false);
});

test('a region and an image are enough; everything else has a documented default', () => {
  const config = withConfig({})();
  assert.equal(config.region, 'eu-west-1');
  assert.equal(config.namePrefix, 'dev');
  assert.equal(config.profile, 'default');
  assert.deepEqual(config.tags, { 'pulumi:project': PROJECT, 'pulumi:stack': 'dev' });
  assert.deepEqual(config.network, { vpcCidr: '10.0.0.0/16', availabilityZones: 2, profile: 'default', natGateways: 'single' });
  assert.deepEqual(config.front, { mode: 'cloudfront', priceClass: 'PriceClass_100' });
  assert.deepEqual(config.grafana, { authenticationProviders: ['AWS_SSO'], grafanaVersion: '12.4', roleAssociations: [] });
  assert.deepEqual(config.managedPrometheus, { alertEmail: undefined });
  assert.deepEqual(config.loadBalancer, { deletionProtection: false, accessLogRetentionDays: 90 });
  assert.deepEqual(config.iam, { permissionsBoundaryArn: undefined });
  const { taskDefinition: t, service } = config;
  assert.deepEqual(
    [t.cpu, t.memory, t.cpuArchitecture, t.scrapeIntervalSeconds, service.minTasks, service.maxTasks, service.fargateSpot, service.publicTasks, t.shutdownDelayMs, t.shutdownTimeoutMs],
    [512, 1024, 'X86_64', 15, 2, 4, false, false, 5000, 20000],
  );
  assert.equal(t.imageCredentialsSecretArn, undefined);
  assert.ok(Object.isFrozen(config));
});

test('profile small: one 0.25 vCPU / 0.5 GB ARM64 task with public IPs, Grafana off; each default can still be set', () => {
  const config = withConfig({ profile: 'small' })();
  assert.deepEqual([config.taskDefinition.cpu, config.taskDefinition.memory, config.taskDefinition.cpuArchitecture], [256, 512, 'ARM64']);
  assert.deepEqual([config.service.minTasks, config.service.maxTasks, config.service.publicTasks], [1, 1, true]);
  assert.equal(config.grafana, undefined);
  assert.notEqual(withConfig({ profile: 'small', grafana: 'true' })().grafana, undefined);
  assert.equal(withConfig({ profile: 'small', minTasks: '2' })().service.maxTasks, 2);
  throwsNaming('natGateways', { profile: 'small', natGateways: 'single' }, /no NAT/);
  // ECS API reference, CapacityProviderStrategyItem: "FARGATE_SPOT supports Linux tasks with the ARM64
  // architecture on platform version 1.4.0 or later" (docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html).
  const armSpot = withConfig({ profile: 'small', fargateSpot: 'true' })();
  assert.deepEqual([armSpot.service.fargateSpot, armSpot.taskDefinition.cpuArchitecture], [true, 'ARM64']);
  const spot = withConfig({ profile: 'small', fargateSpot: 'true', cpuArchitecture: 'X86_64' })();
  assert.deepEqual([spot.service.fargateSpot, spot.taskDefinition.cpuArchitecture], [true, 'X86_64']);
  throwsNaming('profile', { profile: 'tiny' }, /"default", "small"/);
});

test('a stack named prod or production gets deletion protection unless told otherwise', () => {
  const prod = () => { pulumi.runtime.setAllConfig({ [`${PROJECT}:image`]: BASE_CONFIG.image as string, 'aws:region': 'eu-west-1' }); return loadConfig(); };
  return pulumi.runtime.setMocks(createMocks([], []), PROJECT, 'prod', false).then(() => {
    assert.equal(prod().loadBalancer.deletionProtection, true);
  }).finally(() => pulumi.runtime.setMocks(createMocks([], []), PROJECT, 'dev', false));
});

test('Grafana roles come from "group:<id>" / "user:<id>" lists per role', () => {
  const config = withConfig({ grafanaAdmins: '["group:abc-123","user:u1"]', grafanaEditors: '["group:ed"]' })();
  assert.deepEqual(config.grafana?.roleAssociations, [
    { role: 'ADMIN', groupIds: ['abc-123'], userIds: ['u1'] },
    { role: 'EDITOR', groupIds: ['ed'], userIds: [] },
  ]);
  throwsNaming('grafanaViewers', { grafanaViewers: '["abc-123"]' }, /group:/);
  throwsNaming('grafanaAdmins', { grafanaAdmins: '["group:x"]', grafanaAuthProviders: '["SAML"]' }, /AWS_SSO/);
});

test('sign-in roles for a Grafana that is off stop the program naming the key, not silently dropped', () => {
  throwsNaming('grafanaAdmins', { profile: 'small', grafanaAdmins: '["group:x"]' }, /small profile turns Grafana off.*grafana: true/);
  throwsNaming('grafanaViewers', { grafana: 'false', grafanaViewers: '["user:u1"]' }, /grafana is false/);
  assert.equal(withConfig({ profile: 'small' })().grafana, undefined);
  assert.deepEqual(withConfig({ profile: 'small', grafana: 'true', grafanaAdmins: '["group:x"]' })().grafana?.roleAssociations, [{ role: 'ADMIN', groupIds: ['x'], userIds: [] }]);
});

test('names AWS would refuse stop the program naming namePrefix', () => {
  throwsNaming('namePrefix', { namePrefix: 'internal' }, /internal-/);
  throwsNaming('namePrefix', { namePrefix: 'internal-api' }, /internal-/);
  throwsNaming('namePrefix', { namePrefix: 'xn--app' }, /S3/);
  // EC2 CreateSecurityGroup: GroupName "cannot start with sg-".
  throwsNaming('namePrefix', { namePrefix: 'sg' }, /sg-/);
  throwsNaming('namePrefix', { namePrefix: 'sg-api' }, /sg-/);
  assert.equal(withConfig({ namePrefix: 'sgx' })().namePrefix, 'sgx');
  throwsNaming('namePrefix', { namePrefix: 'app-' });
  throwsNaming('namePrefix', { namePrefix: 'a'.repeat(17) });
  assert.equal(withConfig({ namePrefix: 'internals' })().namePrefix, 'internals');
  assert.equal(withConfig({ namePrefix: 'a'.repeat(16) })().namePrefix, 'a'.repeat(16));
});

test('a region without the managed services stops the program naming aws:region', () => {
  throwsNaming('aws:region', { 'aws:region': 'ap-east-1' }, /Prometheus/);
  throwsNaming('aws:region', { 'aws:region': 'eu-north-1' }, /Grafana.*grafana: false/);
  assert.equal(withConfig({ 'aws:region': 'eu-north-1', grafana: 'false' })().region, 'eu-north-1');
});

test('ARNs for the permissions boundary and registry credentials are checked', () => {
  const arn = 'arn:aws:iam::123456789012:policy/prod-boundary';
  assert.equal(withConfig({ iamPermissionsBoundaryArn: arn })().iam.permissionsBoundaryArn, arn);
  throwsNaming('iamPermissionsBoundaryArn', { iamPermissionsBoundaryArn: 'prod-boundary' });
  throwsNaming('imageCredentialsSecretArn', { imageCredentialsSecretArn: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x' });
});

test('domain mode takes the domain and its zone', () => {
  const config = withConfig({ httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com.' })();
  assert.deepEqual(config.front, { mode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com' });
});

test('lists and extra tags are read from structured config', () => {
  const config = withConfig({ grafanaAuthProviders: '["SAML","AWS_SSO"]', tags: '{"team":"platform"}' })();
  assert.deepEqual(config.grafana?.authenticationProviders, ['SAML', 'AWS_SSO']);
  assert.equal(config.tags.team, 'platform');
  assert.equal(withConfig({ grafana: 'false' })().grafana, undefined);
});

test('an unknown httpsMode names the key and the accepted values', () => {
  throwsNaming('httpsMode', { httpsMode: 'letsencrypt' }, /"cloudfront", "domain"/);
});

test('a domain without its hosted zone names hostedZone', () => {
  throwsNaming('hostedZone', { httpsMode: 'domain', domainName: 'app.example.com' });
  throwsNaming('domainName', { httpsMode: 'domain', hostedZone: 'example.com' });
  throwsNaming('hostedZone', { httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.org' });
  throwsNaming('domainName', { domainName: 'app.example.com', hostedZone: 'example.com' }, /httpsMode/);
});

test('a scrape interval that would leave a five-minute rule window with fewer than four samples names scrapeIntervalSeconds', () => {
  assert.equal(withConfig({ scrapeIntervalSeconds: String(MAX_SCRAPE_INTERVAL_SECONDS) })().taskDefinition.scrapeIntervalSeconds, 75);
  throwsNaming('scrapeIntervalSeconds', { scrapeIntervalSeconds: '76' }, /fewer than 4 samples.*at most 75/);
  throwsNaming('scrapeIntervalSeconds', { scrapeIntervalSeconds: '300' }, /5-minute/);
  throwsNaming('scrapeIntervalSeconds', { scrapeIntervalSeconds: '4' });
});

// The cap is derived from the shortest range the shipped rules select: a rule with a shorter window
// than SHORTEST_RULE_WINDOW_SECONDS would make the cap too loose.
test('the cap keeps four samples in the shortest range any AMP rule selects', () => {
  const dir = path.join(__dirname, '..', 'observability', 'prometheus', 'rules');
  const seconds = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  const ranges = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\[(\d+)([smhd])(?::\d+[smhd])?\]/g)])
    .map((m) => Number(m[1]) * seconds[m[2] as keyof typeof seconds]);
  assert.ok(ranges.length > 0);
  assert.equal(Math.min(...ranges), SHORTEST_RULE_WINDOW_SECONDS);
  assert.ok(MAX_SCRAPE_INTERVAL_SECONDS * MIN_SAMPLES_PER_RULE_WINDOW <= Math.min(...ranges));
});

test('the longest shutdown deadline accepted still leaves ECS\'s stopTimeout within Fargate\'s 120 s', () => {
  const longest = withConfig({ shutdownTimeoutMs: '115000' })().taskDefinition.shutdownTimeoutMs;
  assert.equal(stopTimeoutSeconds(longest), 120);
  throwsNaming('shutdownTimeoutMs', { shutdownTimeoutMs: '115001' });
});

test('minTasks above maxTasks names minTasks', () => {
  throwsNaming('minTasks', { minTasks: '5', maxTasks: '3' }, /maxTasks \(3\)/);
});

test('numbers that are not whole numbers in range name their key', () => {
  throwsNaming('minTasks', { minTasks: 'two' });
  throwsNaming('maxTasks', { maxTasks: '2.5' });
  throwsNaming('cpu', { cpu: '300' });
  throwsNaming('memory', { cpu: '256', memory: '4096' });
  throwsNaming('logRetentionDays', { logRetentionDays: '10' });
  throwsNaming('availabilityZones', { availabilityZones: '1' });
  throwsNaming('vpcCidr', { vpcCidr: '172.61.0.0/16' }, /RFC 1918/);
  throwsNaming('vpcCidr', { vpcCidr: '192.0.0.0/16' });
  throwsNaming('vpcCidr', { vpcCidr: '10.300.0.0/16' });
  throwsNaming('vpcCidr', { vpcCidr: '10.0.0.0/24' });
  throwsNaming('shutdownTimeoutMs', { shutdownTimeoutMs: '120000' });
  throwsNaming('shutdownDelayMs', { shutdownDelayMs: '20000', shutdownTimeoutMs: '20000' });
});

test('missing or unpinned image, missing region and bad switches name their key', () => {
  throwsNaming('image', { image: undefined });
  throwsNaming('image', { image: 'docker.io/example/app:latest' });
  throwsNaming('image', { image: 'docker.io/example/app' });
  throwsNaming('aws:region', { 'aws:region': undefined });
  throwsNaming('grafana', { grafana: 'yes' });
  throwsNaming('grafanaAuthProviders', { grafanaAuthProviders: '["GOOGLE"]' });
  throwsNaming('grafanaVersion', { grafanaVersion: '11.0' }, /"9\.4", "10\.4", "12\.4"/);
  throwsNaming('grafanaVersion', { grafanaVersion: '12' });
  throwsNaming('natGateways', { natGateways: 'none' });
  throwsNaming('alertEmail', { alertEmail: 'not-an-address' });
  throwsNaming('namePrefix', { namePrefix: 'This_Is_Not_Valid' });
});

test('every private /16 is accepted as vpcCidr', () => {
  for (const vpcCidr of ['10.0.0.0/16', '10.255.0.0/16', '172.16.0.0/16', '172.31.0.0/16', '192.168.0.0/16']) {
    assert.equal(withConfig({ vpcCidr })().network.vpcCidr, vpcCidr);
  }
});

test('a registry with a port and a digest-pinned image are accepted', () => {
  assert.equal(withConfig({ image: 'registry.example.com:5000/team/app:1.2.3' })().taskDefinition.image, 'registry.example.com:5000/team/app:1.2.3');
  const digest = `docker.io/example/app@sha256:${'a'.repeat(64)}`;
  assert.equal(withConfig({ image: digest })().taskDefinition.image, digest);
});

test('Pulumi.example.yaml documents exactly the keys loadConfig reads, and its values load', () => {
  const example = fs.readFileSync(path.join(__dirname, 'Pulumi.example.yaml'), 'utf8');
  const documented = new Set([...example.matchAll(/^\s*#?\s*([\w-]+:\w+):/gm)].map((m) => m[1] as string));
  const read = new Set<string>();
  const { get, getObject } = pulumi.Config.prototype;
  pulumi.Config.prototype.get = function (this: pulumi.Config, key: string, opts?: Parameters<typeof get>[1]) {
    read.add(`${this.name}:${key}`);
    return get.call(this, key, opts);
  } as typeof get;
  pulumi.Config.prototype.getObject = function <T>(this: pulumi.Config, key: string): T | undefined {
    read.add(`${this.name}:${key}`);
    return getObject.call(this, key) as T | undefined;
  };
  try {
    withConfig({ grafanaAdmins: '["group:a"]', grafanaEditors: '["group:e"]', grafanaViewers: '["group:v"]' })();
    withConfig({ httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com', profile: 'small', grafana: 'true' })();
  } finally {
    pulumi.Config.prototype.get = get;
    pulumi.Config.prototype.getObject = getObject;
  }
  assert.deepEqual([...documented].sort(), [...read].sort());

  const values = (parse(example) as { config: Record<string, string> }).config;
  pulumi.runtime.setAllConfig(values);
  assert.equal(loadConfig().taskDefinition.image, values[`${PROJECT}:image`]);
});

test.run();

// --- the defaults that must agree with files other parts of the repository own

const REPOSITORY = path.join(__dirname, '..');
const defaults = suite('stack defaults agree with the image and the local stack');

defaults('the ECS health check runs the same probe as the image\'s own HEALTHCHECK', () => {
  const dockerfile = fs.readFileSync(path.join(REPOSITORY, 'Dockerfile'), 'utf8').replace(/\\\r?\n/g, ' ');
  const healthcheck = /^HEALTHCHECK\b.*\bCMD\s+(\[.*\])\s*$/m.exec(dockerfile);
  assert.deepEqual(['CMD', ...(JSON.parse(healthcheck?.[1] ?? '[]') as string[])], APP_HEALTH_CHECK_COMMAND);
});

defaults('the Grafana workspace runs the local stack\'s Grafana major, the one the dashboards are generated for', () => {
  const compose = parse(fs.readFileSync(path.join(REPOSITORY, 'docker-compose.yml'), 'utf8')) as { services: { grafana: { image: string } } };
  const localMajor = /^grafana\/grafana(?:-oss)?:(\d+)\./.exec(compose.services.grafana.image)?.[1];
  assert.ok(localMajor, compose.services.grafana.image);
  assert.equal(DEFAULT_GRAFANA_VERSION.split('.')[0], localMajor);
});

defaults.run();
