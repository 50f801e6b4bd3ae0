// An IAM role that GitLab CI jobs assume with their ID token (AssumeRoleWithWebIdentity).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type PolicyDocument, trustPolicy } from './trust';

export interface GitLabCiRoleArgs {
  readonly providerArn: pulumi.Input<string>;
  readonly gitlabUrl: string;
  /** Exact token subjects allowed (see trust.ts). */
  readonly subjects?: readonly string[];
  /** Subject patterns allowed; only for roles that cannot change anything. */
  readonly subjectPatterns?: readonly string[];
  readonly description: string;
  /** The role's rights, inline… */
  readonly policy?: pulumi.Input<PolicyDocument>;
  /** …and/or AWS managed policies. */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
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
    if (!args.policy && (args.managedPolicyArns?.length ?? 0) === 0) {
      throw new Error(`GitLabCiRole ${name}: has no permissions`);
    }

    const role = new aws.iam.Role(
      `${name}-role`,
      {
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

    if (args.policy) {
      new aws.iam.RolePolicy(
        `${name}-policy`,
        { role: role.name, policy: pulumi.output(args.policy).apply((doc) => JSON.stringify(doc)) },
        { parent: this },
      );
    }
    (args.managedPolicyArns ?? []).forEach((policyArn, index) => {
      new aws.iam.RolePolicyAttachment(`${name}-managed-${index}`, { role: role.name, policyArn }, { parent: this });
    });

    this.arn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ arn: this.arn, roleName: this.roleName });
  }
}
