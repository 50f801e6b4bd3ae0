// An IAM role that GitLab CI jobs assume with their ID token (AssumeRoleWithWebIdentity), with its
// rights as customer managed policies (up to 6,144 characters each; a role's inline policies share
// 10,240, too few for the deploy role).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type PolicyDocument, trustPolicy } from './trust';

/**
 * IAM path of the bootstrap's roles and policies. Role ARNs include it (`role/gitlab-ci/…`), so no
 * stack-role pattern `role/<stackNamePrefix>-*` of the deploy policy can ever name these roles.
 */
export const CI_IAM_PATH = '/gitlab-ci/';

/** IAM's default quota of managed policies attached to one role. */
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;

export interface GitLabCiRoleArgs {
  readonly providerArn: pulumi.Input<string>;
  readonly gitlabUrl: string;
  /** Exact token subjects allowed (see trust.ts). */
  readonly subjects?: readonly string[];
  /** Subject patterns allowed; only for roles that cannot change anything. */
  readonly subjectPatterns?: readonly string[];
  readonly description: string;
  /** The role's rights: one customer managed policy per entry, named `<role>-<key>`. */
  readonly policies: pulumi.Input<Record<string, PolicyDocument>>;
  /** The keys of `policies`, known before the documents are (resources cannot be made inside apply). */
  readonly policyNames: readonly string[];
  /** A deploy can take a while (CloudFront, NAT gateways): tokens last up to this long. */
  readonly maxSessionDurationSeconds?: number;
}

export class GitLabCiRole extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: GitLabCiRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bootstrap:index:GitLabCiRole', name, {}, opts);
    if ((args.subjects?.length ?? 0) + (args.subjectPatterns?.length ?? 0) === 0) {
      throw new Error(`GitLabCiRole ${name}: trusts no subject`);
    }
    if (args.policyNames.length === 0) throw new Error(`GitLabCiRole ${name}: has no permissions`);
    if (args.policyNames.length > MAX_MANAGED_POLICIES_PER_ROLE) {
      throw new Error(`GitLabCiRole ${name}: ${args.policyNames.length} policies, IAM attaches at most ${MAX_MANAGED_POLICIES_PER_ROLE} to a role`);
    }

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        path: CI_IAM_PATH,
        description: args.description,
        maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
        assumeRolePolicy: pulumi.output(args.providerArn).apply((providerArn) =>
          JSON.stringify(
            trustPolicy({
              providerArn,
              gitlabUrl: args.gitlabUrl,
              ...(args.subjects ? { subjects: args.subjects } : {}),
              ...(args.subjectPatterns ? { subjectPatterns: args.subjectPatterns } : {}),
            }),
          ),
        ),
      },
      { parent: this },
    );

    const documents = pulumi.output(args.policies);
    for (const policyName of args.policyNames) {
      const policy = new aws.iam.Policy(
        `${name}-${policyName}`,
        {
          path: CI_IAM_PATH,
          description: `${args.description}: ${policyName}`,
          policy: documents.apply((all) => {
            const doc = all[policyName];
            if (doc === undefined) throw new Error(`GitLabCiRole ${name}: no policy document "${policyName}"`);
            return JSON.stringify(doc);
          }),
        },
        { parent: this },
      );
      new aws.iam.RolePolicyAttachment(`${name}-${policyName}`, { role: role.name, policyArn: policy.arn }, { parent: this });
    }

    this.arn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ arn: this.arn, roleName: this.roleName });
  }
}
