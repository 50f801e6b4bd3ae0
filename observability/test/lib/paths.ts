// Where the observability files under test live.
import { join } from 'node:path';
import { COMPOSE_FILE } from '../../../tests/support/docker';
import { REPO_ROOT, SERVICE_ENTRY } from '../../../tests/support/repo';

export const OBSERVABILITY_DIR = join(REPO_ROOT, 'observability');
export const PROMETHEUS_DIR = join(OBSERVABILITY_DIR, 'prometheus');
export const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml');
/** Rules that ship everywhere (Amazon Managed Service for Prometheus loads this folder too). */
export const RULES_DIR = join(PROMETHEUS_DIR, 'rules');
/** Rules only the local stack's Prometheus loads (it watches itself and Alertmanager). */
export const LOCAL_RULES_DIR = join(PROMETHEUS_DIR, 'rules-local');
export const RULE_TESTS_DIR = join(PROMETHEUS_DIR, 'tests');
export const ALERTMANAGER_CONFIG = join(OBSERVABILITY_DIR, 'alertmanager', 'alertmanager.yml');
export const GRAFANA_DIR = join(OBSERVABILITY_DIR, 'grafana');
/** Dashboards Grafana provisions locally and infra pushes to Amazon Managed Grafana. */
export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');
/** The Fly.io variants, imported by hand into Fly's managed Grafana; loaded by nothing here. */
export const FLY_DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards-fly');
export { COMPOSE_FILE, REPO_ROOT, SERVICE_ENTRY as SERVICE_MAIN };
