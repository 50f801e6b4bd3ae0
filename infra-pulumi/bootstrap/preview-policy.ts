// What `pulumi preview` of the main stack calls in AWS, and nothing else (it replaces
// ReadOnlyAccess, which reads SSM SecureStrings, S3 objects, load balancer rules and CloudFront
// configurations: everything a merge request from any branch should not see).
//
// A preview runs the program and diffs the resources it registers against the stack's state; it
// does not read the resources back from AWS ("These allocations are then compared against the
// existing state", `pulumi preview --help`; only `pulumi refresh` / `--refresh` read every resource,
// and this role is not meant for those). So the AWS calls are the program's data sources:
//   sts:GetCallerIdentity        aws.getCallerIdentity (AMP topic policy, Grafana trust); IAM
//                                requires no permission for it, listed to say so
//   (no call)                    aws.getPartition, aws.elb.getServiceAccount: answered locally
//   ec2:DescribeAvailabilityZones aws.getAvailabilityZones: the network picks zones by zone ID
//   ec2:DescribeSecurityGroups   the CloudFront VPC-origin security group, looked up by name
//   cloudfront:List/GetCachePolicy, List/GetOriginRequestPolicy      the managed policies by name
//   route53:ListHostedZones(ByName), GetHostedZone, ListTagsForResource  aws.route53.getZone
//                                (domain mode)
// plus the state, when the bootstrap holds it (state-backend.ts), and iam:SimulateCustomPolicy for
// the merge-request job that puts the bootstrap's policies through IAM's own evaluator.
import { type PolicyDocument, type PolicyStatement } from './trust';

export interface PreviewPolicyArgs {
  readonly partition: string;
  /** Statements reading the self-managed state, when there is one. */
  readonly stateStatements?: readonly PolicyStatement[];
}

export const PREVIEW_LOOKUPS = [
  'sts:GetCallerIdentity',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeSecurityGroups',
  'cloudfront:ListCachePolicies',
  'cloudfront:GetCachePolicy',
  'cloudfront:ListOriginRequestPolicies',
  'cloudfront:GetOriginRequestPolicy',
  'route53:ListHostedZones',
  'route53:ListHostedZonesByName',
  'route53:GetHostedZone',
  'route53:ListTagsForResource',
] as const;

export function previewPolicy(args: PreviewPolicyArgs): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      // Metadata only: zone names, security group rules, managed policy settings. Most of these
      // actions take no resource ARN, so "*".
      { Sid: 'ProgramLookups', Effect: 'Allow', Action: [...PREVIEW_LOOKUPS], Resource: '*' },
      // `npm run test:iam-aws` in merge requests: IAM evaluates the policies the request carries and
      // reads nothing of the account (SimulateCustomPolicy takes no resource ARN).
      { Sid: 'SimulatePolicies', Effect: 'Allow', Action: 'iam:SimulateCustomPolicy', Resource: '*' },
      ...(args.stateStatements ?? []),
    ],
  };
}
