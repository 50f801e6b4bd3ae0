// The AWS managed policies the main stack may attach: the bootstrap's list when it exports one
// (contract 3: STACK_MANAGED_POLICY_ARNS in bootstrap/deploy-policy.ts), else the stack's own.
import * as deployPolicy from '../bootstrap/deploy-policy';
import { EXECUTION_ROLE_POLICY } from '../components/task-definition';

type PolicyList = (partition: string) => readonly string[];

const fromBootstrap = (deployPolicy as Record<string, unknown>).STACK_MANAGED_POLICY_ARNS as PolicyList | undefined;

export const STACK_MANAGED_POLICY_ARNS: PolicyList = fromBootstrap ?? ((partition) => [`arn:${partition}:iam::aws:policy/${EXECUTION_ROLE_POLICY}`]);
