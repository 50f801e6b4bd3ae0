// `npm test`: every suite that needs no Docker, each in a uvu process of its own, one after another.
// A failing suite does not stop the others; the run ends with one table (suite, passed, failed,
// skipped, seconds), the failed tests, and the line `N passed, N failed, N skipped`, and exits 1 if
// anything failed. `npm test -- pipeline deploy` runs only the suites named, as does TEST_SUITES
// ("pipeline deploy"), for a CI job whose script is plain `npm test`.
//
// Before the suites, one line lists every tool tests/support/tools.tsv names that is missing here:
// the tests that need one are counted skipped, each suite saying which and how to get it.
import { runSuites, stopRunning, type SuiteSpec } from '../tests/support/suite-runner';
import { IN_COMPOSE_IMAGES, installed, toolAvailable, toolTable } from '../tests/support/tools';

/** A suite: an npm script of the root package or of a workspace (whose folder it runs in). */
export interface NpmSuite {
  name: string;
  script: string;
  workspace?: string;
}

/** The suites, by folder: a new test file in one of them is picked up by its pattern. */
export const NPM_TEST_SUITES: readonly NpmSuite[] = [
  { name: 'service', script: 'test', workspace: 'service' },
  { name: 'infra-pulumi', script: 'test', workspace: 'infra-pulumi' },
  { name: 'observability', script: 'test', workspace: 'observability' },
  { name: 'support', script: 'test:support' },
  { name: 'pipeline', script: 'test:pipeline' },
  { name: 'deploy', script: 'test:deploy' },
  { name: 'readme', script: 'test:readme' },
  { name: 'resilience', script: 'test:resilience-local' },
];

const SUITES: readonly SuiteSpec[] = NPM_TEST_SUITES.map(({ name, script, workspace }) => ({
  name,
  command: ['npm', 'run', '--silent', script, ...(workspace ? ['--workspace', workspace] : [])],
}));

function preflight(): string {
  const table = toolTable();
  const missing = table.filter(({ tool }) => !toolAvailable(tool)).map(({ tool }) => tool);
  const fromImages = table.filter(({ tool }) => IN_COMPOSE_IMAGES.has(tool) && installed(tool, table) === undefined && toolAvailable(tool)).map(({ tool }) => tool);
  const parts = [
    missing.length === 0 ? 'every tool the tests run is here' : `missing: ${missing.join(', ')} (tests that need them are skipped; tests/support/tools.tsv says where to get each)`,
    ...(fromImages.length > 0 ? [`${fromImages.join(', ')} run from the images docker-compose.yml pins`] : []),
  ];
  return `pre-flight: ${parts.join('; ')}`;
}

/** The suites asked for: the command line's, else TEST_SUITES's (space- or comma-separated), else all. */
export const wantedSuites = (argv: readonly string[], env: NodeJS.ProcessEnv): string[] =>
  argv.length > 0 ? [...argv] : (env.TEST_SUITES ?? '').split(/[\s,]+/).filter((name) => name !== '');

function main(): void {
  const wanted = wantedSuites(process.argv.slice(2), process.env);
  const unknown = wanted.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    console.error(`run-tests: no suite named ${unknown.join(', ')} (suites: ${SUITES.map((suite) => suite.name).join(', ')})`);
    process.exit(2);
  }
  // Each suite runs in a process group of its own: pass Ctrl-C (or a CI runner's SIGTERM) on to it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopRunning(signal);
      process.exit(130);
    });
  }
  console.log(preflight());
  const suites = wanted.length === 0 ? SUITES : SUITES.filter((suite) => wanted.includes(suite.name));
  runSuites(suites).then(
    ({ ok }) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
