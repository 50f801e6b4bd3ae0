// The resilience job runs as GitLab would (gitlab-ci-local, shell executor, fake npm/npx/node on
// PATH that record what they were asked to run): test:resilience:docker runs the whole
// `npm run test:resilience`. The tests that need no Docker run in the `test` job, inside `npm test`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENARIOS, runJobs } from './lib/gitlab-ci-local';
import { scratch } from './lib/harness';

const Jobs = suite('resilience jobs');

Jobs('test:resilience:docker starts its own engine, builds, then runs all of npm run test:resilience', async () => {
  const box = scratch();
  try {
    for (const tool of ['npm', 'npx', 'node']) box.fake(tool, 'exit 0');
    // The engine start is scripts/ci-start-docker.sh's business (ci-start-docker.test.ts); here, its call.
    const files = { 'scripts/ci-start-docker.sh': `#!/bin/sh\necho "ci-start-docker.sh $*" >> '${box.state}/calls'\n` };
    const result = await runJobs(['test:resilience:docker'], SCENARIOS.defaultBranch, { bin: box.bin, copy: ['scripts/ci-start-docker.sh'], files });
    assert.is(result.code, 0, result.stderr + result.stdout);
    const calls = box.calls();
    const order = ['ci-start-docker.sh', 'npm ci', 'npm run build', 'npm run test:resilience'].map((prefix) => calls.findIndex((call) => call.startsWith(prefix)));
    assert.ok(order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] ?? -1))), calls.join('\n'));
  } finally {
    box.remove();
  }
});

Jobs.run();
