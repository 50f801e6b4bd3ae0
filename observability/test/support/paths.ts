// Where the files under test live, from this workspace's point of view.
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const OBSERVABILITY_DIR = join(REPO_ROOT, 'observability');
export const PROMETHEUS_DIR = join(OBSERVABILITY_DIR, 'prometheus');
export const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml');
export const RULES_DIR = join(PROMETHEUS_DIR, 'rules');
export const RULE_TESTS_DIR = join(PROMETHEUS_DIR, 'tests');
export const GRAFANA_DIR = join(OBSERVABILITY_DIR, 'grafana');
export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');
export const SERVICE_MAIN = join(REPO_ROOT, 'service', 'dist', 'main.js');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
