// Alertmanager and the black-box exporter for tests, real ones: on PATH (upstream's binary name, or
// Debian's), else in the image docker-compose.yml pins, run through Docker. With neither, one line
// says what to install: the tests that need them never skip.
import { spawnSync } from 'node:child_process';
import { composeImage } from '../../../tests/support/docker';
import { howToGet, installed } from '../../../tests/support/tools';

export interface BinaryCommand {
  file: string;
  args: string[];
  /** Where the binary comes from, for messages. */
  origin: string;
}

interface Known {
  /** The compose service whose image ships it. */
  service: string;
  /** Its path in that image. */
  entrypoint: string;
}

const KNOWN: Readonly<Record<'alertmanager' | 'blackbox_exporter', Known>> = {
  alertmanager: {
    service: 'alertmanager',
    entrypoint: '/bin/alertmanager',
  },
  blackbox_exporter: {
    service: 'blackbox',
    entrypoint: '/bin/blackbox_exporter',
  },
};

const succeeds = (file: string, args: string[]) => {
  const result = spawnSync(file, args, { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
};

/** How to run `binary args…` here; `readable` and `writable` are host paths it uses (mounted under Docker). */
export function binaryCommand(binary: keyof typeof KNOWN, args: string[], readable: string[] = [], writable: string[] = []): BinaryCommand {
  const known = KNOWN[binary];
  // On PATH under upstream's name or Debian's (tests/support/tools.tsv knows both).
  const onPath = installed(binary);
  if (onPath !== undefined && succeeds(onPath, ['--version'])) return { file: onPath, args, origin: 'PATH' };
  const image = composeImage(known.service);
  if (!succeeds('docker', ['version', '--format', '{{.Server.Version}}'])) {
    throw new Error(`${binary} not found: install it (${howToGet(binary)}) or Docker to run ${image}`);
  }
  const user = `${process.getuid?.() ?? 65534}:${process.getgid?.() ?? 65534}`;
  const volumes = [...readable.map((path) => `${path}:${path}:ro`), ...writable.map((path) => `${path}:${path}`)];
  return {
    origin: `docker image ${image}`,
    file: 'docker',
    args: ['run', '--rm', '--network', 'host', '--user', user, ...volumes.flatMap((volume) => ['--volume', volume]), '--entrypoint', known.entrypoint, image, ...args],
  };
}

/** An alert as Alertmanager's API v2 lists it. */
export interface ListedAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}
