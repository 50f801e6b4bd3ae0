// Self-managed Pulumi state for CI (`PULUMI_BACKEND_URL=s3://<bucket>`, stacks created with
// `--secrets-provider awskms://alias/<name>?region=<region>`): a passphrase is not an option there.
//
// What Pulumi does with them (pkg/backend/diy and pkg/secrets/cloud in pulumi/pulumi):
//   - state lives under `.pulumi/` in the bucket: stacks, history, backups, and for `up`, `refresh`,
//     `destroy` and `import` a lock object `.pulumi/locks/<org>/<project>/<stack>/<id>.json`.
//     `preview` takes no lock and writes nothing (diyBackend.Preview calls apply with DryRun, which
//     saves no snapshot, history or backup), so the preview role only reads.
//   - the awskms provider keeps a data key in the stack's config, encrypted with the KMS key:
//     creating a stack calls kms:Encrypt once, every later command kms:Decrypt; values are then
//     encrypted locally with the data key. So deploy: Encrypt + Decrypt; preview: Decrypt only.
// The bucket is encrypted with SSE-S3, not with this key, so neither role needs KMS for S3 objects.
// `pulumi login` on an empty bucket writes `.pulumi/meta.yaml`; the bootstrap writes it instead, so a
// merge request's preview (read-only) can log in before the first deploy and find no stack yet.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type PolicyStatement } from './trust';
import { makeBucketPrivate, tlsOnlyStatement } from '../components/private-bucket';

/** Where the diy backend puts its lock objects (workspace.BookkeepingDir + workspace.LockDir). */
export const LOCKS_PREFIX = '.pulumi/locks/';

/** The diy backend's metadata object and the content the CLI writes into a new bucket. */
export const PULUMI_META_KEY = '.pulumi/meta.yaml';
export const PULUMI_META_CONTENT = 'version: 1\n';

/** Object versions kept after they are replaced: room to recover a state file a bad run overwrote. */
export const NONCURRENT_VERSION_DAYS = 90;

export interface StateBackendArgs {
  /** Region of the KMS key, written into the secrets-provider URL. */
  readonly region: pulumi.Input<string>;
  /** The alias is `alias/pulumi-<this>`, one per stack prefix. */
  readonly stackNamePrefix: string;
}

export class StateBackend extends pulumi.ComponentResource {
  public readonly bucketArn: pulumi.Output<string>;
  public readonly keyArn: pulumi.Output<string>;
  /** `s3://<bucket>` for PULUMI_BACKEND_URL. */
  public readonly url: pulumi.Output<string>;
  /** `awskms://alias/<name>?region=<region>` for `pulumi stack init --secrets-provider`. */
  public readonly secretsProvider: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bootstrap:index:StateBackend', name, {}, opts);
    // Losing the state orphans every resource of the stack: protected against `pulumi destroy`.
    const keep: pulumi.CustomResourceOptions = { parent: this, protect: true };

    const bucket = new aws.s3.Bucket(`${name}-bucket`, {}, keep);
    new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, { parent: this });
    makeBucketPrivate(bucket, { publicAccessBlock: `${name}-public-access`, encryption: `${name}-encryption` }, { parent: this }, { bucketKeyEnabled: true });
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, { parent: this });
    new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
      bucket: bucket.id,
      rules: [{
        id: 'expire-replaced-state-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      }],
    }, { parent: this });
    new aws.s3.BucketPolicy(`${name}-tls-only`, {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [tlsOnlyStatement(bucket.arn, 'TlsOnly')],
      }),
    }, { parent: this });

    // The backend's layout marker, written as `pulumi login` would on an empty bucket (diy/meta.go:
    // `.pulumi/meta.yaml`, `version: 1`, project-scoped stacks). Written here so the read-only preview
    // role can log in before the first deploy: an empty bucket makes the CLI write it.
    new aws.s3.BucketObjectv2(`${name}-meta`, { bucket: bucket.id, key: PULUMI_META_KEY, content: PULUMI_META_CONTENT, contentType: 'application/yaml' }, { parent: this });

    const key = new aws.kms.Key(`${name}-secrets`, {
      description: 'Pulumi secrets provider (awskms://) of the CI stacks',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    }, keep);
    const alias = new aws.kms.Alias(`${name}-secrets`, { name: `alias/pulumi-${args.stackNamePrefix}`, targetKeyId: key.keyId }, { parent: this });

    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.url = pulumi.interpolate`s3://${bucket.bucket}`;
    this.secretsProvider = pulumi.interpolate`awskms://${alias.name}?region=${args.region}`;
    this.registerOutputs({ bucketArn: this.bucketArn, keyArn: this.keyArn, url: this.url, secretsProvider: this.secretsProvider });
  }
}

export interface StateAccessArgs {
  readonly bucketArn: string;
  readonly keyArn: string;
}

/** Read and write the state, create stacks (Encrypt) and use their secrets (Decrypt). */
export function deployStateStatements(args: StateAccessArgs): PolicyStatement[] {
  return [
    { Sid: 'StateBucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: args.bucketArn },
    { Sid: 'StateObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${args.bucketArn}/*` },
    { Sid: 'StateSecrets', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: args.keyArn },
    // The bucket's name could match `<stackNamePrefix>-*`: nothing but state reads and writes on it.
    {
      Sid: 'NothingElseOnTheStateBucket',
      Effect: 'Deny',
      NotAction: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [args.bucketArn, `${args.bucketArn}/*`],
    },
  ];
}

/** Read the state and decrypt its secrets; no writes (a preview takes no lock, see the header). */
export function previewStateStatements(args: StateAccessArgs): PolicyStatement[] {
  return [
    { Sid: 'StateBucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: args.bucketArn },
    { Sid: 'StateObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `${args.bucketArn}/*` },
    { Sid: 'StateSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: args.keyArn },
  ];
}
