// Who may assume a CI role: GitLab ID tokens of one project, for the refs named, minted for
// this GitLab's URL. IAM matches a token's `sub` claim, which GitLab builds as
//   project_path:<group>/<project>:ref_type:<branch|tag>:ref:<name>
// IAM cannot read GitLab's `ref_protected` claim, so "protected" means: the refs named here are
// exactly the refs protected in GitLab (Settings > Repository > Protected branches / tags).
import { type DeployRef } from './config';

export type PolicyDocument = {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
};

export type PolicyStatement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Federated: string };
  /** Exactly one of Action and NotAction. */
  Action?: string | string[];
  NotAction?: string | string[];
  /** At most one of Resource and NotResource (a trust policy has neither). */
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** IAM names a provider's condition keys after its URL without the scheme: `gitlab.com:sub`. */
export function conditionKeyPrefix(gitlabUrl: string): string {
  return gitlabUrl.replace(/^https:\/\//, '');
}

export function subjectOf(projectPath: string, ref: DeployRef): string {
  return `project_path:${projectPath}:ref_type:${ref.type}:ref:${ref.name}`;
}

/** Any branch of the project (merge request pipelines run on their source branch). */
export function anyBranchSubject(projectPath: string): string {
  return `project_path:${projectPath}:ref_type:branch:ref:*`;
}

export interface TrustArgs {
  readonly providerArn: string;
  readonly gitlabUrl: string;
  /** Exact `sub` values (StringEquals) … */
  readonly subjects?: readonly string[];
  /** … or patterns (StringLike), for the read-only preview role only. */
  readonly subjectPatterns?: readonly string[];
}

export function trustPolicy(args: TrustArgs): PolicyDocument {
  const key = conditionKeyPrefix(args.gitlabUrl);
  const exact = args.subjects ?? [];
  const patterns = args.subjectPatterns ?? [];
  if (exact.length + patterns.length === 0) throw new Error('a CI role must trust at least one subject');
  const condition: Record<string, Record<string, string | string[]>> = {
    StringEquals: { [`${key}:aud`]: args.gitlabUrl, ...(exact.length > 0 ? { [`${key}:sub`]: [...exact] } : {}) },
  };
  if (patterns.length > 0) condition.StringLike = { [`${key}:sub`]: [...patterns] };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: args.providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}
