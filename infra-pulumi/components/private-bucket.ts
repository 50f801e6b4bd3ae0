// What makes an S3 bucket private, in one place for every bucket this repository creates (the
// ALB's access logs, the bootstrap's Pulumi state): no public access of any kind, objects
// encrypted at rest with S3-managed keys (SSE-S3, the only kind ALB access logs accept), and a
// policy statement that refuses any request not made over TLS.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface PrivateBucketNames {
  /** Resource names of the public-access block and the encryption configuration. */
  readonly publicAccessBlock: string;
  readonly encryption: string;
}

/** Blocks public ACLs and policies on `bucket` and turns on SSE-S3 default encryption. */
export function makeBucketPrivate(
  bucket: aws.s3.Bucket,
  names: PrivateBucketNames,
  opts: pulumi.CustomResourceOptions,
  encryption: { readonly bucketKeyEnabled?: boolean } = {},
): void {
  new aws.s3.BucketPublicAccessBlock(names.publicAccessBlock, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(names.encryption, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, ...encryption }],
  }, opts);
}

/** The bucket-policy statement that denies every request to the bucket and its objects made without TLS. */
export function tlsOnlyStatement(bucketArn: pulumi.Input<string>, sid: string) {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
