// The IAM OIDC identity provider for a GitLab instance, or an existing one (IAM allows one
// provider per URL in an account, so a second project reuses the first one's).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface GitLabOidcProviderArgs {
  /** https://gitlab.com, or a self-managed instance's URL. Also the tokens' audience. */
  readonly gitlabUrl: string;
  readonly existingProviderArn?: string;
}

export class GitLabOidcProvider extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GitLabOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bootstrap:index:GitLabOidcProvider', name, {}, opts);
    if (!args.gitlabUrl.startsWith('https://')) throw new Error(`GitLabOidcProvider: gitlabUrl must be https, got "${args.gitlabUrl}"`);

    if (args.existingProviderArn) {
      this.arn = pulumi.output(args.existingProviderArn);
    } else {
      // No thumbprint: IAM trusts the certificate authorities it knows for OIDC discovery.
      const provider = new aws.iam.OpenIdConnectProvider(
        `${name}-provider`,
        { url: args.gitlabUrl, clientIdLists: [args.gitlabUrl] },
        { parent: this },
      );
      this.arn = provider.arn;
    }

    this.registerOutputs({ arn: this.arn });
  }
}
