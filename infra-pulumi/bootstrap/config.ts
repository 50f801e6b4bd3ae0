// The bootstrap stack's configuration, read and checked in one place.
import * as pulumi from '@pulumi/pulumi';

export interface BootstrapConfig {
  /** Issuer of the ID tokens and the audience they are minted for (`id_tokens: aud:`). */
  readonly gitlabUrl: string;
  /** `<group>/<project>`, possibly with subgroups. */
  readonly projectPath: string;
  /** Refs that may deploy, e.g. `branch:main`; they must be protected in GitLab. */
  readonly deployRefs: readonly DeployRef[];
  /** The main stack's namePrefix: its roles, log groups, buckets, topics and alarms are named `<prefix>-*`. */
  readonly stackNamePrefix: string;
  /** Reuse an account's existing provider for this GitLab URL (IAM allows one per URL). */
  readonly existingProviderArn: string | undefined;
  /** The main stack's name: the value of its `pulumi:stack` tag, and part of its roles' IAM path `/<project>/<stack>/`. */
  readonly stackName: string;
  /** Create the S3 state bucket and KMS key for `PULUMI_BACKEND_URL=s3://…` and `awskms://`. */
  readonly stateBackend: boolean;
  /** Route 53 zones the stack may write records to (domain mode); none in CloudFront mode. */
  readonly hostedZoneIds: readonly string[];
  /** The Secrets Manager secret with registry credentials the stack's tasks may read, if any. */
  readonly imageCredentialsSecretArn: string | undefined;
}

/** The main program's Pulumi project name (infra-pulumi/Pulumi.yaml): the value of its `pulumi:project` tag. */
export const MAIN_PROJECT = 'observable-service';

export interface DeployRef {
  readonly type: 'branch' | 'tag';
  readonly name: string;
}

export class BootstrapConfigError extends pulumi.RunError {
  constructor(key: string, message: string) {
    super(`Invalid bootstrap configuration "${key}": ${message}`);
    this.name = 'BootstrapConfigError';
  }
}

const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
// Exact ref names only: a wildcard would trust refs nobody protected.
const REF_NAME = /^[A-Za-z0-9._/-]+$/;

export function parseDeployRef(raw: string): DeployRef {
  const match = /^(branch|tag):(.+)$/.exec(raw);
  if (!match || !REF_NAME.test(match[2] ?? '')) {
    throw new BootstrapConfigError('deployRefs', `"${raw}" is not branch:<name> or tag:<name> with an exact name (no wildcards).`);
  }
  return { type: match[1] as DeployRef['type'], name: match[2] as string };
}

export function parseGitlabUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BootstrapConfigError('gitlabUrl', `"${raw}" is not a URL.`);
  }
  if (url.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new BootstrapConfigError('gitlabUrl', `"${raw}" must be an https:// URL without query or fragment (e.g. https://gitlab.com).`);
  }
  return raw.replace(/\/+$/, '');
}

function booleanSetting(config: pulumi.Config, key: string, fallback: boolean): boolean {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new BootstrapConfigError(key, `"${raw}" is not true or false.`);
}

export function parseHostedZoneIds(raw: unknown): readonly string[] {
  if (!Array.isArray(raw) || !raw.every((id) => typeof id === 'string' && /^Z[A-Z0-9]{1,31}$/.test(id))) {
    throw new BootstrapConfigError('hostedZoneIds', 'is not a list of Route 53 hosted zone ids such as Z0123456789ABCDEFGHIJ.');
  }
  return raw as string[];
}

export function parseSecretArn(raw: string): string {
  if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/.test(raw)) {
    throw new BootstrapConfigError('imageCredentialsSecretArn', `"${raw}" is not a Secrets Manager secret ARN.`);
  }
  return raw;
}

export function loadConfig(): BootstrapConfig {
  const config = new pulumi.Config();
  const projectPath = config.require('projectPath');
  if (!PROJECT_PATH.test(projectPath)) {
    throw new BootstrapConfigError('projectPath', `"${projectPath}" is not <group>/<project>.`);
  }
  const rawRefs = config.getObject<unknown>('deployRefs') ?? ['branch:main'];
  if (!Array.isArray(rawRefs) || rawRefs.length === 0 || !rawRefs.every((r) => typeof r === 'string')) {
    throw new BootstrapConfigError('deployRefs', 'is not a non-empty list of strings.');
  }
  const stackNamePrefix = config.get('stackNamePrefix') ?? 'prod';
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stackNamePrefix)) {
    throw new BootstrapConfigError('stackNamePrefix', `"${stackNamePrefix}" is not the main stack's namePrefix (1-16 of a-z, 0-9, "-").`);
  }
  const existingProviderArn = config.get('existingProviderArn') || undefined;
  if (existingProviderArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/.test(existingProviderArn)) {
    throw new BootstrapConfigError('existingProviderArn', `"${existingProviderArn}" is not an IAM OIDC provider ARN.`);
  }
  const stackName = config.get('stackName') || stackNamePrefix;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stackName)) {
    throw new BootstrapConfigError('stackName', `"${stackName}" is not a Pulumi stack name (letters, digits, "_", ".", "-").`);
  }
  const rawSecret = config.get('imageCredentialsSecretArn') || undefined;
  return {
    gitlabUrl: parseGitlabUrl(config.get('gitlabUrl') ?? 'https://gitlab.com'),
    projectPath,
    deployRefs: (rawRefs as string[]).map(parseDeployRef),
    stackNamePrefix,
    existingProviderArn,
    stackName,
    stateBackend: booleanSetting(config, 'stateBackend', false),
    hostedZoneIds: parseHostedZoneIds(config.getObject<unknown>('hostedZoneIds') ?? []),
    imageCredentialsSecretArn: rawSecret === undefined ? undefined : parseSecretArn(rawSecret),
  };
}
