// `npm run test:iam-aws`: the IAM questions of iam-aws-cases.ts, asked of IAM's SimulateCustomPolicy
// with the caller's credentials. Without credentials it says so on one line and counts every case
// skipped. Exit status 1 when IAM disagrees with a case.
import { iamClient, simulateAll, summary } from './iam-aws';
import { programCases, tableCases } from './iam-aws-cases';

async function main(): Promise<void> {
  const outcome = await simulateAll(iamClient(), async () => [...tableCases(), ...(await programCases())], (line) => console.log(line));
  console.log(summary(outcome));
  process.exitCode = outcome.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
