// The AWS managed policies the main stack may attach: exactly those the bootstrap's deploy role
// allows (iam:PolicyARN), so a test of the program and the policy read one list.
export { STACK_MANAGED_POLICY_ARNS } from '../bootstrap/deploy-policy';
