// loadConfig: defaults a user never has to set, and one clear error naming the key for each bad value.
// Pulumi reads configuration from process-global state, so every test sets the whole configuration.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import { parse } from 'yaml';
import {
  ConfigError, DEFAULT_CONTAINER_USER, DEFAULT_GRAFANA_VERSION, DEFAULT_HEALTH_CHECK_COMMAND, loadConfig,
} from './config';
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
  assert.deepEqual(config.tags, { 'pulumi:project': PROJECT, 'pulumi:stack': 'dev' });
  assert.deepEqual(config.network, { vpcCidr: '10.0.0.0/16', availabilityZones: 2, natGateways: 'single' });
  assert.deepEqual(config.https, { mode: 'cloudfront', priceClass: 'PriceClass_100' });
  assert.deepEqual(config.grafana, { enabled: true, authenticationProviders: ['AWS_SSO'], version: '12.4' });
  assert.deepEqual(config.metrics, { scrapeIntervalSeconds: 15, alertEmail: undefined });
  assert.equal(config.service.containerUser, '65532:65532');
  assert.deepEqual(config.service.healthCheckCommand, ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs']);
  assert.deepEqual(
    [config.service.cpu, config.service.memory, config.service.minTasks, config.service.maxTasks, config.service.shutdownDelayMs, config.service.shutdownTimeoutMs],
    [512, 1024, 2, 4, 5000, 20000],
  );
  assert.ok(Object.isFrozen(config));
});

test('domain mode takes the domain and its zone', () => {
  const config = withConfig({ httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com.' })();
  assert.deepEqual(config.https, { mode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com' });
});

test('lists and extra tags are read from structured config', () => {
  const config = withConfig({ grafanaAuthProviders: '["SAML","AWS_SSO"]', healthCheckCommand: '["CMD","/nodejs/bin/node","healthcheck.js"]', tags: '{"team":"platform"}' })();
  assert.deepEqual(config.grafana.enabled && config.grafana.authenticationProviders, ['SAML', 'AWS_SSO']);
  assert.deepEqual(config.service.healthCheckCommand, ['CMD', '/nodejs/bin/node', 'healthcheck.js']);
  assert.equal(config.tags.team, 'platform');
  assert.equal(withConfig({ grafana: 'false' })().grafana.enabled, false);
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

test('missing or unpinned image, missing region, root user and bad switches name their key', () => {
  throwsNaming('image', { image: undefined });
  throwsNaming('image', { image: 'docker.io/example/app:latest' });
  throwsNaming('image', { image: 'docker.io/example/app' });
  throwsNaming('aws:region', { 'aws:region': undefined });
  throwsNaming('containerUser', { containerUser: '0' });
  throwsNaming('containerUser', { containerUser: 'root' });
  throwsNaming('healthCheckCommand', { healthCheckCommand: '["curl","-f","http://localhost:8080/health"]' });
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
  assert.equal(withConfig({ image: 'registry.example.com:5000/team/app:1.2.3' })().service.image, 'registry.example.com:5000/team/app:1.2.3');
  const digest = `docker.io/example/app@sha256:${'a'.repeat(64)}`;
  assert.equal(withConfig({ image: digest })().service.image, digest);
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
    withConfig({})();
    withConfig({ httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com' })();
  } finally {
    pulumi.Config.prototype.get = get;
    pulumi.Config.prototype.getObject = getObject;
  }
  assert.deepEqual([...documented].sort(), [...read].sort());

  const values = (parse(example) as { config: Record<string, string> }).config;
  pulumi.runtime.setAllConfig(values);
  assert.equal(loadConfig().service.image, values[`${PROJECT}:image`]);
});

test.run();

// --- the defaults that must agree with files other parts of the repository own

const REPOSITORY = path.join(__dirname, '..');

interface DockerInstruction { keyword: string; args: string }

/** The instructions of a Dockerfile's final stage (what `docker build` ships), continuations joined. */
function finalStage(dockerfile: string): DockerInstruction[] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  assert.ok(lastFrom >= 0, 'the Dockerfile has a FROM');
  return instructions.slice(lastFrom);
}

/** Absolute paths the stage's COPY instructions write to, each relative destination resolved against WORKDIR. */
function copiedPaths(stage: DockerInstruction[]): string[] {
  let workdir = '/';
  const paths: string[] = [];
  for (const { keyword, args } of stage) {
    if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
    if (keyword !== 'COPY') continue;
    const operands = args.split(/\s+/).filter((a) => !a.startsWith('--'));
    const destination = operands.pop() ?? '';
    const target = path.posix.resolve(workdir, destination);
    for (const source of operands) paths.push(destination.endsWith('/') || operands.length > 1 ? path.posix.join(target, path.posix.basename(source)) : target);
  }
  return paths;
}

const only = (stage: DockerInstruction[], keyword: string): string => {
  const found = stage.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `one ${keyword} in the final stage`);
  return (found[0] as DockerInstruction).args;
};

const defaults = suite('stack defaults agree with the image and the local stack');

defaults('the ECS health check runs the probe the image copies, with the image\'s own node, as the image\'s user', () => {
  const stage = finalStage(fs.readFileSync(path.join(REPOSITORY, 'Dockerfile'), 'utf8'));
  const [form, node, script, ...rest] = DEFAULT_HEALTH_CHECK_COMMAND;
  assert.equal(form, 'CMD', 'exec form: a distroless image has no shell');
  assert.deepEqual(rest, []);
  assert.ok(script !== undefined && copiedPaths(stage).includes(script), `the image copies ${script}; it copies ${copiedPaths(stage).join(', ')}`);
  assert.equal(node, (JSON.parse(only(stage, 'ENTRYPOINT')) as string[])[0], 'the node binary the image starts with');
  // The image's own HEALTHCHECK (docker, compose) and ECS's run the same command.
  const healthcheck = /\bCMD\s+(\[.*\])$/.exec(only(stage, 'HEALTHCHECK'));
  assert.deepEqual(JSON.parse(healthcheck?.[1] ?? 'null'), [node, script]);
  assert.equal(DEFAULT_CONTAINER_USER, only(stage, 'USER'));
});

defaults('the Grafana workspace runs the local stack\'s Grafana major, the one the dashboards are generated for', () => {
  const compose = parse(fs.readFileSync(path.join(REPOSITORY, 'docker-compose.yml'), 'utf8')) as { services: { grafana: { image: string } } };
  const localMajor = /^grafana\/grafana(?:-oss)?:(\d+)\./.exec(compose.services.grafana.image)?.[1];
  assert.ok(localMajor, compose.services.grafana.image);
  assert.equal(DEFAULT_GRAFANA_VERSION.split('.')[0], localMajor);
});

defaults.run();
