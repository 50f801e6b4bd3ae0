// The one place that reads stack configuration. Every key is documented in Pulumi.example.yaml;
// a bad value stops `pulumi preview` with one message naming the key and what it accepts.
import * as pulumi from '@pulumi/pulumi';

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

/** What the image (Dockerfile) provides: its non-root USER and its exec-form liveness probe. */
export const DEFAULT_CONTAINER_USER = '65532:65532';
export const DEFAULT_HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'];

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

/** ECS stops a task with SIGKILL after stopTimeout; Fargate allows at most 120 s. */
export const MAX_STOP_TIMEOUT_SECONDS = 120;
/** Seconds between the service's own deadline (SHUTDOWN_TIMEOUT_MS) and ECS's SIGKILL. */
export const STOP_TIMEOUT_MARGIN_SECONDS = 5;

export interface InfraConfig {
  readonly region: string;
  /** Short prefix for every resource name, so two stacks can live in one account. */
  readonly namePrefix: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly network: {
    readonly vpcCidr: string;
    readonly availabilityZones: number;
    readonly natGateways: NatMode;
  };
  readonly service: {
    readonly image: string;
    readonly containerUser: string;
    readonly healthCheckCommand: readonly string[];
    readonly cpu: number;
    readonly memory: number;
    readonly cpuArchitecture: CpuArchitecture;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly cpuTargetPercent: number;
    readonly requestsPerTargetPerMinute: number;
    readonly logRetentionDays: number;
    readonly logLevel: LogLevel;
    readonly shutdownDelayMs: number;
    readonly shutdownTimeoutMs: number;
  };
  readonly https:
    | { readonly mode: 'cloudfront'; readonly priceClass: string }
    | { readonly mode: 'domain'; readonly domainName: string; readonly hostedZone: string };
  readonly metrics: {
    readonly scrapeIntervalSeconds: number;
    readonly alertEmail: string | undefined;
  };
  readonly grafana:
    | { readonly enabled: false }
    | { readonly enabled: true; readonly authenticationProviders: readonly GrafanaAuthProvider[]; readonly version: GrafanaVersion };
}

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

function stackTags(project: string, stack: string, config: pulumi.Config): Record<string, string> {
  const extra = config.getObject<Record<string, unknown>>('tags') ?? {};
  if (typeof extra !== 'object' || Array.isArray(extra) || Object.values(extra).some((v) => typeof v !== 'string')) {
    throw new ConfigError('tags', 'is not a map of string keys to string values.');
  }
  return { ...(extra as Record<string, string>), 'pulumi:project': project, 'pulumi:stack': stack };
}

/** Reads and validates the stack configuration. Throws a ConfigError naming the first bad key. */
export function loadConfig(): InfraConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const config = new pulumi.Config();
  const awsConfig = new pulumi.Config('aws');

  const region = awsConfig.get('region');
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError('aws:region', `${region === undefined ? 'is not set' : `"${region}" is not an AWS region`}; run \`pulumi config set aws:region eu-west-1\`.`);
  }

  const namePrefix = config.get('namePrefix') ?? stack.toLowerCase();
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(namePrefix)) {
    throw new ConfigError('namePrefix', `"${namePrefix}" must be 1-16 characters of a-z, 0-9 and "-", starting with a letter (it defaults to the stack name; AWS caps load balancer and target group names at 32 characters).`);
  }

  // --- network
  const vpcCidr = config.get('vpcCidr') ?? '10.0.0.0/16';
  // RFC 1918 only: a public range here would shadow those addresses on the internet for the tasks.
  if (!/^(10\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)|172\.(1[6-9]|2\d|3[01])|192\.168)\.0\.0\/16$/.test(vpcCidr)) {
    throw new ConfigError('vpcCidr', `"${vpcCidr}" is not a private (RFC 1918) /16 such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16.`);
  }
  const availabilityZones = integer(config, 'availabilityZones', 2, 2, 3);
  const natGateways = oneOf('natGateways', config.get('natGateways') ?? 'single', NAT_MODES);

  // --- service
  const image = config.get('image');
  if (image === undefined || image.trim() === '') {
    throw new ConfigError('image', 'is not set; run `pulumi config set image docker.io/<user>/<repo>:<git-sha>` (a tag or an @sha256 digest).');
  }
  if (/:latest$/.test(image) || !/(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(image.replace(/^[^/]+:\d+\//, ''))) {
    throw new ConfigError('image', `"${image}" must name an exact tag or digest (not "latest"), e.g. docker.io/<user>/<repo>:<git-sha>.`);
  }
  const containerUser = config.get('containerUser') ?? DEFAULT_CONTAINER_USER;
  if (!/^\d+(:\d+)?$/.test(containerUser) || containerUser.split(':').some((id) => Number(id) === 0)) {
    throw new ConfigError('containerUser', `"${containerUser}" must be a non-root numeric uid or uid:gid (for example ${DEFAULT_CONTAINER_USER}, the image's distroless "nonroot" user).`);
  }
  const healthCheckCommand = stringList(config, 'healthCheckCommand', DEFAULT_HEALTH_CHECK_COMMAND);
  if (healthCheckCommand[0] !== 'CMD' && healthCheckCommand[0] !== 'CMD-SHELL') {
    throw new ConfigError('healthCheckCommand', 'must start with "CMD" (or "CMD-SHELL" for images that have a shell).');
  }
  const cpu = integer(config, 'cpu', 512, 256, 4096);
  const memoryChoices = FARGATE_MEMORY[cpu];
  if (memoryChoices === undefined) {
    throw new ConfigError('cpu', `${cpu} is not a Fargate size; use one of ${Object.keys(FARGATE_MEMORY).join(', ')}.`);
  }
  const memory = integer(config, 'memory', 1024, 512, 30720);
  if (!memoryChoices.includes(memory)) {
    throw new ConfigError('memory', `${memory} MiB does not fit cpu ${cpu}; use one of ${memoryChoices.join(', ')}.`);
  }
  const cpuArchitecture = oneOf('cpuArchitecture', config.get('cpuArchitecture') ?? 'X86_64', CPU_ARCHITECTURES);
  const minTasks = integer(config, 'minTasks', 2, 1, 100);
  const maxTasks = integer(config, 'maxTasks', 4, 1, 100);
  if (minTasks > maxTasks) {
    throw new ConfigError('minTasks', `${minTasks} is greater than maxTasks (${maxTasks}).`);
  }
  const cpuTargetPercent = integer(config, 'cpuTargetPercent', 60, 10, 90);
  const requestsPerTargetPerMinute = integer(config, 'requestsPerTargetPerMinute', 1000, 10, 1_000_000);
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

  // --- HTTPS
  const domainName = config.get('domainName');
  const hostedZone = config.get('hostedZone');
  const mode = oneOf('httpsMode', config.get('httpsMode') ?? 'cloudfront', HTTPS_MODES);
  let https: InfraConfig['https'];
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
    https = { mode, domainName, hostedZone: zone };
  } else {
    if (domainName !== undefined || hostedZone !== undefined) {
      throw new ConfigError(domainName !== undefined ? 'domainName' : 'hostedZone', 'is only used with httpsMode "domain"; set `httpsMode: domain` or remove it.');
    }
    const priceClass = oneOf('cloudfrontPriceClass', config.get('cloudfrontPriceClass') ?? 'PriceClass_100', ['PriceClass_100', 'PriceClass_200', 'PriceClass_All']);
    https = { mode, priceClass };
  }

  // --- metrics and alerts
  const scrapeIntervalSeconds = integer(config, 'scrapeIntervalSeconds', 15, 5, 300);
  const alertEmail = config.get('alertEmail');
  if (alertEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail)) {
    throw new ConfigError('alertEmail', `"${alertEmail}" is not an email address.`);
  }

  // --- Grafana
  let grafana: InfraConfig['grafana'] = { enabled: false };
  if (boolean(config, 'grafana', true)) {
    const providers = stringList(config, 'grafanaAuthProviders', ['AWS_SSO']).map((p) => oneOf('grafanaAuthProviders', p, GRAFANA_AUTH_PROVIDERS));
    const version = oneOf('grafanaVersion', config.get('grafanaVersion') ?? DEFAULT_GRAFANA_VERSION, GRAFANA_VERSIONS);
    grafana = { enabled: true, authenticationProviders: providers, version };
  }

  return Object.freeze({
    region,
    namePrefix,
    tags: Object.freeze(stackTags(project, stack, config)),
    network: Object.freeze({ vpcCidr, availabilityZones, natGateways }),
    service: Object.freeze({
      image,
      containerUser,
      healthCheckCommand,
      cpu,
      memory,
      cpuArchitecture,
      minTasks,
      maxTasks,
      cpuTargetPercent,
      requestsPerTargetPerMinute,
      logRetentionDays,
      logLevel,
      shutdownDelayMs,
      shutdownTimeoutMs,
    }),
    https: Object.freeze(https),
    metrics: Object.freeze({ scrapeIntervalSeconds, alertEmail }),
    grafana: Object.freeze(grafana),
  });
}
