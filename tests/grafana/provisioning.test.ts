// Grafana's part of docker-compose.yml against its provisioning files, checkable without the image:
// what is mounted where, the settings that keep the stack offline and read-only, and that the
// home dashboard and the provider's folder point at the shipped dashboard files.
// Setting names: Grafana's conf/defaults.ini ([analytics], [dashboards], [news]) and
// pkg/setting/setting_plugins.go ([plugins] preinstall_disabled, public_key_retrieval_disabled);
// GF_<SECTION>_<KEY> overrides them. The admin overlay is read the way Compose reads it
// (`docker compose config`), where a Docker CLI with Compose v2 is present; without one, those
// checks say so and count as skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import YAML from 'yaml';
import { COMPOSE_FILE } from '../support/docker';
import { REPO_ROOT } from '../support/repo';

interface GrafanaService {
  environment: Record<string, string>;
  volumes: string[];
}

const Provisioning = suite('Grafana in docker-compose.yml, without Grafana');

const grafana = (YAML.parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: { grafana: GrafanaService } }).services.grafana;
const binds = grafana.volumes
  .map((volume) => volume.split(':'))
  .filter(([source]) => source?.startsWith('./'))
  .map(([source = '', target = '', mode]) => ({ source: path.normalize(source), target, mode }));

/** The repository file a path inside the container shows, through the bind mounts. */
function hostPathOf(containerPath: string): string | undefined {
  const bind = binds.find((b) => containerPath === b.target || containerPath.startsWith(`${b.target}/`));
  return bind && path.join(REPO_ROOT, bind.source, path.relative(bind.target, containerPath));
}

Provisioning('mounts only provisioning/datasources and provisioning/dashboards, read-only, so the image keeps its alerting/ and plugins/ folders', () => {
  const provisioning = binds.filter((b) => b.target.startsWith('/etc/grafana/provisioning'));
  assert.equal(
    provisioning.map((b) => `${b.source} -> ${b.target}:${b.mode}`).sort(),
    [
      'observability/grafana/provisioning/dashboards -> /etc/grafana/provisioning/dashboards:ro',
      'observability/grafana/provisioning/datasources -> /etc/grafana/provisioning/datasources:ro',
    ],
  );
});

Provisioning('runs offline: no plugin preinstall or signing-key fetch at start, no update checks, no usage reporting, no news feed', () => {
  assert.is(grafana.environment.GF_PLUGINS_PREINSTALL_DISABLED, 'true');
  assert.is(grafana.environment.GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED, 'true');
  assert.is(grafana.environment.GF_NEWS_NEWS_FEED_ENABLED, 'false');
  assert.is(grafana.environment.GF_ANALYTICS_CHECK_FOR_UPDATES, 'false');
  assert.is(grafana.environment.GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES, 'false');
  assert.is(grafana.environment.GF_ANALYTICS_REPORTING_ENABLED, 'false');
});

Provisioning('anonymous visitors are viewers and no account is created unless the admin overlay asks for one', () => {
  assert.is(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'true');
  assert.is(grafana.environment.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
  assert.is(grafana.environment.GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION, 'true');
  assert.is(grafana.environment.GF_USERS_ALLOW_SIGN_UP, 'false');
});

Provisioning('the home dashboard is the shipped Service overview file, as the container sees it', () => {
  const home = grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
  const file = hostPathOf(home);
  assert.ok(file !== undefined && existsSync(file), `GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=${home} is no mounted file`);
  assert.is((JSON.parse(readFileSync(file, 'utf8')) as { title: string }).title, 'Service overview');
});

Provisioning('the dashboard provider reads the folder the dashboard files are mounted at', () => {
  const providers = YAML.parse(readFileSync(path.join(REPO_ROOT, 'observability/grafana/provisioning/dashboards/service.yml'), 'utf8')) as {
    providers: { options: { path: string } }[];
  };
  for (const provider of providers.providers) {
    const folder = hostPathOf(provider.options.path);
    assert.is(folder, path.join(REPO_ROOT, 'observability/grafana/dashboards'), provider.options.path);
  }
});

Provisioning('the provisioned data source is the compose stack’s Prometheus', () => {
  const datasources = YAML.parse(readFileSync(path.join(REPO_ROOT, 'observability/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
    datasources: { url: string; type: string; isDefault?: boolean }[];
  };
  const services = (YAML.parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, unknown> }).services;
  for (const source of datasources.datasources) {
    const host = new URL(source.url).hostname;
    assert.ok(host in services, `${source.url}: no compose service named ${host}`);
  }
});

Provisioning.run();

const ADMIN_OVERLAY = path.join(REPO_ROOT, 'docker-compose.grafana-admin.yml');

/** `docker compose config` of the stack with the admin overlay, as JSON, with `env` added. */
function composeConfig(env: NodeJS.ProcessEnv): { status: number | null; output: string; json?: { services: Record<string, { environment?: Record<string, string> }> } } {
  const result = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, '-f', ADMIN_OVERLAY, 'config', '--format', 'json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GRAFANA_ADMIN_PASSWORD: undefined, ...env },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { status: result.status, output, json: result.status === 0 ? (JSON.parse(result.stdout) as never) : undefined };
}

const Overlay = suite('the Grafana admin overlay, as Compose reads it');

const overlayChecks: Record<string, () => void> = {
  'refuses to start without GRAFANA_ADMIN_PASSWORD, naming the variable': () => {
    const { status, output } = composeConfig({});
    assert.is.not(status, 0, output);
    assert.match(output, /GRAFANA_ADMIN_PASSWORD/);
  },
  'with it: an admin named admin with that password, and the login form on; the rest of the stack unchanged': () => {
    const { status, output, json } = composeConfig({ GRAFANA_ADMIN_PASSWORD: 'a-long-test-password' });
    assert.is(status, 0, output);
    const environment = json?.services.grafana?.environment ?? {};
    assert.is(environment.GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION, 'false');
    assert.is(environment.GF_AUTH_DISABLE_LOGIN_FORM, 'false');
    assert.is(environment.GF_SECURITY_ADMIN_USER, 'admin');
    assert.is(environment.GF_SECURITY_ADMIN_PASSWORD, 'a-long-test-password');
    // Anonymous visitors stay viewers, sign-up stays closed, and the stack stays offline.
    for (const name of ['GF_AUTH_ANONYMOUS_ORG_ROLE', 'GF_USERS_ALLOW_SIGN_UP', 'GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED', 'GF_PLUGINS_PREINSTALL_DISABLED']) {
      assert.is(environment[name], grafana.environment[name], name);
    }
    const overlay = YAML.parse(readFileSync(ADMIN_OVERLAY, 'utf8')) as { services: Record<string, unknown> };
    assert.equal(Object.keys(overlay.services), ['grafana'], 'the overlay changes another service than grafana');
  },
};

const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 30_000 });
if (compose.status === 0) {
  for (const [name, check] of Object.entries(overlayChecks)) Overlay(name, check);
} else {
  console.log('skipped: no `docker compose` (Compose v2) here to read docker-compose.grafana-admin.yml');
  for (const name of Object.keys(overlayChecks)) Overlay.skip(name, () => undefined);
}

Overlay.run();
