// The one place that reads stack configuration: one small reader per component, each returning the
// settings part of that component's Args. Every key is documented in Pulumi.example.yaml; a bad
// value stops `pulumi preview` with one message naming the key and what it accepts.
import * as pulumi from '@pulumi/pulumi';
import { MAX_STOP_TIMEOUT_SECONDS, STOP_TIMEOUT_MARGIN_SECONDS } from './components/timeouts';
import { MANAGED_GRAFANA_REGIONS, MANAGED_PROMETHEUS_REGIONS } from './regions';

export const PROFILES = ['default', 'small'] as const;
/** "default": private tasks behind NAT, 2-4 tasks; "small": no NAT, one small ARM64 task */
export type Profile = (typeof PROFILES)[number];

export const HTTPS_MODES = ['cloudfront', 'domain'] as const;
export type HttpsMode = (typeof HTTPS_MODES)[number];

export const NAT_MODES = ['single', 'perAz'] as const;
export type NatMode = (typeof NAT_MODES)[number];

export const CPU_ARCHITECTURES = ['X86_64', 'ARM64'] as const;
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

export const GRAFANA_AUTH_PROVIDERS = ['AWS_SSO', 'SAML'] as const;
export type GrafanaAuthProvider = (typeof GRAFANA_AUTH_PROVIDERS)[number];

// The grafanaVersion strings AMG's CreateWorkspace accepts, as @pulumi/aws documents them
// (`aws grafana list-versions` is the live list). Grafana 13 is newer than this list: add its string
// once list-versions shows it in the regions you deploy to.
export const GRAFANA_VERSIONS = ['9.4', '10.4', '12.4'] as const;
export type GrafanaVersion = (typeof GRAFANA_VERSIONS)[number];
/** The local stack's Grafana major (docker-compose.yml), which the dashboards are generated for. */
export const DEFAULT_GRAFANA_VERSION: GrafanaVersion = '12.4';

/** AMG workspace roles a config key can grant to IAM Identity Center users and groups. */
export const GRAFANA_ROLES = { grafanaAdmins: 'ADMIN', grafanaEditors: 'EDITOR', grafanaViewers: 'VIEWER' } as const;
export type GrafanaRole = (typeof GRAFANA_ROLES)[keyof typeof GRAFANA_ROLES];
export interface GrafanaRoleAssociation { readonly role: GrafanaRole; readonly groupIds: readonly string[]; readonly userIds: readonly string[] }

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// The values CloudWatch Logs accepts for retentionInDays.
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

// Fargate's task sizes: vCPU units -> allowed memory in MiB.
const range = (from: number, to: number): number[] => Array.from({ length: (to - from) / 1024 + 1 }, (_, i) => from + i * 1024);
const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096),
  1024: range(2048, 8192),
  2048: range(4096, 16384),
  4096: range(8192, 30720),
};


/** The shortest range the alert rules of observability/prometheus/rules/ select ([5m]). */
export const SHORTEST_RULE_WINDOW_SECONDS = 300;
/**
 * Samples every rule window must hold: rate() needs two, and four leave room for a missed scrape
 * or a restart inside the window without the rule going empty.
 */
export const MIN_SAMPLES_PER_RULE_WINDOW = 4;
/** 75 s: four scrapes per five-minute window. */
export const MAX_SCRAPE_INTERVAL_SECONDS = SHORTEST_RULE_WINDOW_SECONDS / MIN_SAMPLES_PER_RULE_WINDOW;

/** Longest suffix Pulumi's autonaming adds to a physical name: "-" and 7 random characters. */
export const AUTONAME_SUFFIX_LENGTH = 8;
/** The longest purpose we append to namePrefix for a load balancer or target group ("-alb", "-tg"). */
const LB_PURPOSES = ['-alb', '-tg'];
/** AWS: load balancer and target group names are at most 32 characters. */
const LB_NAME_MAX = 32;

/** Per-profile defaults; everything not listed here is the same in both profiles. */
export const PROFILE_DEFAULTS: Readonly<Record<Profile, {
  cpu: number; memory: number; cpuArchitecture: CpuArchitecture; minTasks: number; maxTasks: number; grafana: boolean;
}>> = {
  default: { cpu: 512, memory: 1024, cpuArchitecture: 'X86_64', minTasks: 2, maxTasks: 4, grafana: true },
  // One 0.25 vCPU / 0.5 GB Graviton task: the image is published for arm64 as well.
  small: { cpu: 256, memory: 512, cpuArchitecture: 'ARM64', minTasks: 1, maxTasks: 1, grafana: false },
};

/** A configuration error: Pulumi prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(key: string, message: string) {
    super(`Invalid stack configuration "${key}": ${message}`);
    this.name = 'ConfigError';
  }
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(key, `"${value}" is not one of ${allowed.map((a) => `"${a}"`).join(', ')}.`);
  }
  return value as T;
}

function integer(config: pulumi.Config, key: string, fallback: number, min: number, max: number): number {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `"${raw}" is not a whole number from ${min} to ${max}.`);
  }
  return value;
}

function boolean(config: pulumi.Config, key: string, fallback: boolean): boolean {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(key, `"${raw}" is not true or false.`);
}

function stringList(config: pulumi.Config, key: string, fallback: readonly string[]): readonly string[] {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(key, 'is not a list of strings (set it with `pulumi config set --path` or as a YAML list).');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item) => typeof item === 'string' && item !== '')) {
    throw new ConfigError(key, 'is not a non-empty list of non-empty strings.');
  }
  return parsed as string[];
}

function arn(config: pulumi.Config, key: string, pattern: RegExp, example: string): string | undefined {
  const raw = config.get(key);
  if (raw !== undefined && !pattern.test(raw)) throw new ConfigError(key, `"${raw}" is not an ARN like ${example}.`);
  return raw;
}

function stackTags(project: string, stack: string, config: pulumi.Config): Record<string, string> {
  const extra = config.getObject<Record<string, unknown>>('tags') ?? {};
  if (typeof extra !== 'object' || Array.isArray(extra) || Object.values(extra).some((v) => typeof v !== 'string')) {
    throw new ConfigError('tags', 'is not a map of string keys to string values.');
  }
  return { ...(extra as Record<string, string>), 'pulumi:project': project, 'pulumi:stack': stack };
}

// --- one reader per component

export function readRegion(awsConfig: pulumi.Config, grafanaEnabled: boolean): string {
  const region = awsConfig.get('region');
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError('aws:region', `${region === undefined ? 'is not set' : `"${region}" is not an AWS region`}; run \`pulumi config set aws:region eu-west-1\`.`);
  }
  if (!MANAGED_PROMETHEUS_REGIONS.includes(region)) {
    throw new ConfigError('aws:region', `Amazon Managed Service for Prometheus is not offered in ${region}; use one of ${MANAGED_PROMETHEUS_REGIONS.join(', ')}.`);
  }
  if (grafanaEnabled && !MANAGED_GRAFANA_REGIONS.includes(region)) {
    throw new ConfigError('aws:region', `Amazon Managed Grafana is not offered in ${region}; use one of ${MANAGED_GRAFANA_REGIONS.join(', ')}, or set \`grafana: false\`.`);
  }
  return region;
}

/** namePrefix, checked against the rules of every name derived from it. */
export function readNamePrefix(config: pulumi.Config, stack: string): string {
  const namePrefix = config.get('namePrefix') ?? stack.toLowerCase();
  const key = 'namePrefix';
  const origin = config.get('namePrefix') === undefined ? ' (the default: the stack name)' : '';
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(namePrefix) || namePrefix.endsWith('-')) {
    throw new ConfigError(key, `"${namePrefix}"${origin} must be 1-16 characters of a-z, 0-9 and "-", starting with a letter and not ending with "-".`);
  }
  // AWS reserves "internal-" for the DNS names of internal load balancers and refuses such names.
  if (`${namePrefix}-alb`.startsWith('internal-')) {
    throw new ConfigError(key, `"${namePrefix}"${origin} gives the load balancer a name starting with "internal-", which AWS refuses.`);
  }
  for (const purpose of LB_PURPOSES) {
    if (namePrefix.length + purpose.length + AUTONAME_SUFFIX_LENGTH > LB_NAME_MAX) {
      throw new ConfigError(key, `"${namePrefix}"${origin} makes the load balancer or target group name longer than ${LB_NAME_MAX} characters.`);
    }
  }
  // EC2 refuses security group names starting with "sg-" (CreateSecurityGroup's GroupName), and
  // Pulumi names the groups `<namePrefix>-alb-…` and `<namePrefix>-task-…`.
  if (`${namePrefix}-`.startsWith('sg-')) {
    throw new ConfigError(key, `"${namePrefix}"${origin} gives the security groups names starting with "sg-", which EC2 refuses.`);
  }
  // S3 refuses bucket names with these prefixes (the access-log bucket is named after namePrefix).
  for (const reserved of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (namePrefix.startsWith(reserved)) throw new ConfigError(key, `"${namePrefix}"${origin} starts with "${reserved}", which S3 refuses in bucket names.`);
  }
  return namePrefix;
}

export function readProfile(config: pulumi.Config): Profile {
  return oneOf('profile', config.get('profile') ?? 'default', PROFILES);
}

export function readNetwork(config: pulumi.Config, profile: Profile) {
  const vpcCidr = config.get('vpcCidr') ?? '10.0.0.0/16';
  // RFC 1918 only: a public range here would shadow those addresses on the internet for the tasks.
  if (!/^(10\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)|172\.(1[6-9]|2\d|3[01])|192\.168)\.0\.0\/16$/.test(vpcCidr)) {
    throw new ConfigError('vpcCidr', `"${vpcCidr}" is not a private (RFC 1918) /16 such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16.`);
  }
  const availabilityZones = integer(config, 'availabilityZones', 2, 2, 3);
  const natGateways = config.get('natGateways');
  if (profile === 'small' && natGateways !== undefined) {
    throw new ConfigError('natGateways', 'is not used with `profile: small`, which has no NAT gateway (its tasks have public IPs).');
  }
  return { vpcCidr, availabilityZones, profile, natGateways: oneOf('natGateways', natGateways ?? 'single', NAT_MODES) };
}

export function readImage(config: pulumi.Config) {
  const image = config.get('image');
  if (image === undefined || image.trim() === '') {
    throw new ConfigError('image', 'is not set; run `pulumi config set image docker.io/<user>/<repo>@sha256:<digest>` (a tag or an @sha256 digest).');
  }
  if (/:latest$/.test(image) || !/(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(image.replace(/^[^/]+:\d+\//, ''))) {
    throw new ConfigError('image', `"${image}" must name an exact tag or digest (not "latest"), e.g. docker.io/<user>/<repo>:<git-sha>.`);
  }
  const imageCredentialsSecretArn = arn(config, 'imageCredentialsSecretArn', /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf');
  return { image, imageCredentialsSecretArn };
}

export function readTaskDefinition(config: pulumi.Config, profile: Profile) {
  const defaults = PROFILE_DEFAULTS[profile];
  const cpu = integer(config, 'cpu', defaults.cpu, 256, 4096);
  const memoryChoices = FARGATE_MEMORY[cpu];
  if (memoryChoices === undefined) {
    throw new ConfigError('cpu', `${cpu} is not a Fargate size; use one of ${Object.keys(FARGATE_MEMORY).join(', ')}.`);
  }
  const memory = integer(config, 'memory', defaults.memory, 512, 30720);
  if (!memoryChoices.includes(memory)) {
    throw new ConfigError('memory', `${memory} MiB does not fit cpu ${cpu}; use one of ${memoryChoices.join(', ')}.`);
  }
  const cpuArchitecture = oneOf('cpuArchitecture', config.get('cpuArchitecture') ?? defaults.cpuArchitecture, CPU_ARCHITECTURES);
  const logRetentionDays = integer(config, 'logRetentionDays', 30, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError('logRetentionDays', `${logRetentionDays} is not a CloudWatch retention; use one of ${LOG_RETENTION_DAYS.join(', ')}.`);
  }
  const logLevel = oneOf('logLevel', config.get('logLevel') ?? 'info', LOG_LEVELS);
  const shutdownDelayMs = integer(config, 'shutdownDelayMs', 5000, 0, 60_000);
  const maxShutdownTimeoutMs = (MAX_STOP_TIMEOUT_SECONDS - STOP_TIMEOUT_MARGIN_SECONDS) * 1000;
  const shutdownTimeoutMs = integer(config, 'shutdownTimeoutMs', 20_000, 1000, maxShutdownTimeoutMs);
  if (shutdownDelayMs >= shutdownTimeoutMs) {
    throw new ConfigError('shutdownDelayMs', `${shutdownDelayMs} must be less than shutdownTimeoutMs (${shutdownTimeoutMs}), or in-flight requests get no time to finish.`);
  }
  const scrapeIntervalSeconds = integer(config, 'scrapeIntervalSeconds', 15, 5, 3600);
  if (scrapeIntervalSeconds > MAX_SCRAPE_INTERVAL_SECONDS) {
    throw new ConfigError('scrapeIntervalSeconds', `${scrapeIntervalSeconds} s leaves fewer than ${MIN_SAMPLES_PER_RULE_WINDOW} samples in the ${SHORTEST_RULE_WINDOW_SECONDS / 60}-minute windows the alert rules use; use at most ${MAX_SCRAPE_INTERVAL_SECONDS}.`);
  }
  return { ...readImage(config), cpu, memory, cpuArchitecture, logRetentionDays, logLevel, shutdownDelayMs, shutdownTimeoutMs, scrapeIntervalSeconds };
}

export function readService(config: pulumi.Config, profile: Profile) {
  const defaults = PROFILE_DEFAULTS[profile];
  const minTasks = integer(config, 'minTasks', defaults.minTasks, 1, 100);
  const maxTasks = integer(config, 'maxTasks', Math.max(defaults.maxTasks, minTasks), 1, 100);
  if (minTasks > maxTasks) {
    throw new ConfigError('minTasks', `${minTasks} is greater than maxTasks (${maxTasks}).`);
  }
  const cpuTargetPercent = integer(config, 'cpuTargetPercent', 60, 10, 90);
  const requestsPerTargetPerMinute = integer(config, 'requestsPerTargetPerMinute', 1000, 10, 1_000_000);
  // Fargate Spot takes X86_64 and ARM64 Linux tasks alike (ARM64 on platform 1.4.0 and later, which
  // LATEST is): AWS's ECS API reference, CapacityProviderStrategyItem
  // (docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html). The user
  // guide's older "Fargate capacity providers" page still says ARM64 is not supported; the API
  // reference is the newer primary source.
  const fargateSpot = boolean(config, 'fargateSpot', false);
  return { minTasks, maxTasks, cpuTargetPercent, requestsPerTargetPerMinute, fargateSpot, publicTasks: profile === 'small' };
}

export function readLoadBalancer(config: pulumi.Config, stack: string) {
  // On by default only for a stack that says it is production, so `pulumi destroy` of any other
  // stack stays one command.
  const deletionProtection = boolean(config, 'deletionProtection', /^prod(uction)?$/.test(stack));
  const accessLogRetentionDays = integer(config, 'accessLogRetentionDays', 90, 1, 3650);
  return { deletionProtection, accessLogRetentionDays };
}

export function readFront(config: pulumi.Config):
  | { readonly mode: 'cloudfront'; readonly priceClass: string }
  | { readonly mode: 'domain'; readonly domainName: string; readonly hostedZone: string } {
  const domainName = config.get('domainName');
  const hostedZone = config.get('hostedZone');
  const mode = oneOf('httpsMode', config.get('httpsMode') ?? 'cloudfront', HTTPS_MODES);
  if (mode === 'domain') {
    if (domainName === undefined) throw new ConfigError('domainName', 'is required when httpsMode is "domain".');
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)) {
      throw new ConfigError('domainName', `"${domainName}" is not a lower-case DNS name such as app.example.com.`);
    }
    if (hostedZone === undefined) {
      throw new ConfigError('hostedZone', `is required with domainName: the public Route 53 zone that holds "${domainName}", e.g. example.com.`);
    }
    const zone = hostedZone.replace(/\.$/, '');
    if (domainName !== zone && !domainName.endsWith(`.${zone}`)) {
      throw new ConfigError('hostedZone', `"${hostedZone}" does not contain domainName "${domainName}".`);
    }
    return { mode, domainName, hostedZone: zone };
  }
  if (domainName !== undefined || hostedZone !== undefined) {
    throw new ConfigError(domainName !== undefined ? 'domainName' : 'hostedZone', 'is only used with httpsMode "domain"; set `httpsMode: domain` or remove it.');
  }
  const priceClass = oneOf('cloudfrontPriceClass', config.get('cloudfrontPriceClass') ?? 'PriceClass_100', ['PriceClass_100', 'PriceClass_200', 'PriceClass_All']);
  return { mode, priceClass };
}

export function readManagedPrometheus(config: pulumi.Config) {
  const alertEmail = config.get('alertEmail');
  if (alertEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail)) {
    throw new ConfigError('alertEmail', `"${alertEmail}" is not an email address.`);
  }
  return { alertEmail };
}

export function readGrafanaEnabled(config: pulumi.Config, profile: Profile): boolean {
  return boolean(config, 'grafana', PROFILE_DEFAULTS[profile].grafana);
}

/** "group:<id>" / "user:<id>" entries of one role key, split into the ids AMG's RoleAssociation takes. */
function roleMembers(config: pulumi.Config, key: keyof typeof GRAFANA_ROLES): GrafanaRoleAssociation | undefined {
  if (config.get(key) === undefined) return undefined;
  const groupIds: string[] = [];
  const userIds: string[] = [];
  for (const entry of stringList(config, key, [])) {
    const match = /^(group|user):([\w-]{1,64})$/.exec(entry);
    if (!match) throw new ConfigError(key, `"${entry}" is not "group:<IAM Identity Center group id>" or "user:<user id>".`);
    (match[1] === 'group' ? groupIds : userIds).push(match[2] as string);
  }
  return { role: GRAFANA_ROLES[key], groupIds, userIds };
}

/** Sign-in roles for a workspace that will not exist would be dropped without a word: refused instead. */
export function refuseGrafanaRolesWhenOff(config: pulumi.Config, profile: Profile): void {
  for (const key of Object.keys(GRAFANA_ROLES) as (keyof typeof GRAFANA_ROLES)[]) {
    if (config.get(key) !== undefined) {
      const why = config.get('grafana') === undefined ? `the ${profile} profile turns Grafana off` : 'grafana is false';
      throw new ConfigError(key, `assigns Grafana sign-in roles, but ${why}; set \`grafana: true\` or remove ${key}.`);
    }
  }
}

export function readGrafana(config: pulumi.Config) {
  const authenticationProviders = stringList(config, 'grafanaAuthProviders', ['AWS_SSO']).map((p) => oneOf('grafanaAuthProviders', p, GRAFANA_AUTH_PROVIDERS));
  const grafanaVersion = oneOf('grafanaVersion', config.get('grafanaVersion') ?? DEFAULT_GRAFANA_VERSION, GRAFANA_VERSIONS);
  const roleAssociations = (Object.keys(GRAFANA_ROLES) as (keyof typeof GRAFANA_ROLES)[])
    .map((key) => roleMembers(config, key))
    .filter((association): association is GrafanaRoleAssociation => association !== undefined);
  if (roleAssociations.length > 0 && !authenticationProviders.includes('AWS_SSO')) {
    throw new ConfigError('grafanaAdmins', 'assigns IAM Identity Center users or groups, which needs "AWS_SSO" in grafanaAuthProviders.');
  }
  return { authenticationProviders, grafanaVersion, roleAssociations };
}

export function readIam(config: pulumi.Config) {
  const permissionsBoundaryArn = arn(config, 'iamPermissionsBoundaryArn', /^arn:aws[\w-]*:iam::\d{12}:policy\/[\w+=,.@/-]+$/, 'arn:aws:iam::123456789012:policy/<stackNamePrefix>-boundary');
  return { permissionsBoundaryArn };
}

/** Reads and validates the whole stack configuration. Throws a ConfigError naming the first bad key. */
export function loadConfig() {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const config = new pulumi.Config();
  const profile = readProfile(config);
  const grafanaEnabled = readGrafanaEnabled(config, profile);
  if (!grafanaEnabled) refuseGrafanaRolesWhenOff(config, profile);
  // In this order, so the first bad key is reported as before: region, names, tags, IAM, network, task.
  const region = readRegion(new pulumi.Config('aws'), grafanaEnabled);
  const namePrefix = readNamePrefix(config, stack);
  const tags = Object.freeze(stackTags(project, stack, config));
  const iam = Object.freeze(readIam(config));
  const network = Object.freeze(readNetwork(config, profile));
  const taskDefinition = readTaskDefinition(config, profile);
  return Object.freeze({
    region,
    namePrefix,
    profile,
    tags,
    iam,
    network,
    taskDefinition: Object.freeze(taskDefinition),
    service: Object.freeze(readService(config, profile)),
    loadBalancer: Object.freeze(readLoadBalancer(config, stack)),
    front: Object.freeze(readFront(config)),
    managedPrometheus: Object.freeze(readManagedPrometheus(config)),
    grafana: grafanaEnabled ? Object.freeze(readGrafana(config)) : undefined,
  });
}

export type InfraConfig = ReturnType<typeof loadConfig>;
