// Every IAM role the stack creates goes through here, so none can be made without the permissions
// boundary the bootstrap's deploy role insists on (contracts: iamPermissionsBoundaryArn).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { stackRolePath } from '../bootstrap/stack-scope';

export interface StackRoleArgs {
  /** The service that assumes the role (ecs-tasks.amazonaws.com, grafana.amazonaws.com). */
  service: string;
  /** Extra trust conditions (e.g. aws:SourceAccount). */
  condition?: Record<string, Record<string, pulumi.Input<string>>>;
  /** Stack config `iamPermissionsBoundaryArn`; required in practice with the bootstrap's deploy role. */
  permissionsBoundaryArn: string | undefined;
  description: string;
}

/** A role named `<name>-<random>` (so `<namePrefix>-…`), trusted by one service, carrying the boundary when one is set. */
export function stackRole(name: string, args: StackRoleArgs, opts: pulumi.CustomResourceOptions): aws.iam.Role {
  return new aws.iam.Role(name, {
    // The stack's own IAM path, the only one the deploy role may create or change roles under. The
    // deploy role may not change a trust policy (IAM cannot restrict what it trusts): a new trust
    // policy makes a new role (replaceOnChanges below).
    path: stackRolePath(pulumi.getProject(), pulumi.getStack()),
    description: args.description,
    assumeRolePolicy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: args.service },
        Action: 'sts:AssumeRole',
        ...(args.condition ? { Condition: args.condition } : {}),
      }],
    }),
    permissionsBoundary: args.permissionsBoundaryArn,
  }, { ...opts, replaceOnChanges: ['assumeRolePolicy'] });
}
