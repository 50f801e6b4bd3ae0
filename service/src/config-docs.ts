// Writes docs/configuration.md from CONFIG_VARIABLES: `npm run docs -w service`.
// config-docs.test.ts fails when the committed page differs from what this renders.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, type ConfigVariable } from './config';
import { MAX_BODY_BYTES, MAX_HEADER_SIZE, MAX_URL_LENGTH } from './http/limits';

/** docs/configuration.md, from service/src (or service/dist, were it ever built). */
export const CONFIGURATION_DOC = path.join(__dirname, '..', '..', 'docs', 'configuration.md');

const NAMES = new RegExp(`\\b(${CONFIG_VARIABLES.map(({ name }) => name).join('|')})\\b`, 'g');

/** Variable names, paths and character classes in backticks; a `|` would end the table cell. */
function cell(text: string): string {
  return text
    .replace(NAMES, '`$1`')
    .replace(/(^|[\s(])(\/[a-z][\w./]*)/g, '$1`$2`')
    .replace(/\[[^\]]+\]/g, '`$&`')
    .replace(/\|/g, '\\|');
}

function row({ name, default: fallback, accepts, description }: ConfigVariable): string {
  const shownDefault = /^[\w.:-]+$/.test(fallback) ? `\`${fallback}\`` : cell(fallback);
  return `| \`${name}\` | ${shownDefault} | ${cell(accepts)} | ${cell(description)} |`;
}

export function renderConfigurationDoc(): string {
  return [
    '<!-- Generated from CONFIG_VARIABLES in service/src/config.ts by `npm run docs -w service`: edit those, not this page. -->',
    '# Configuration',
    '',
    'Environment variables, read and validated once at start-up:',
    '',
    '| Variable | Default | Accepts | Meaning |',
    '| --- | --- | --- | --- |',
    ...CONFIG_VARIABLES.map(row),
    '',
    'A bad value stops start-up with exit code 2 and one line on stderr, for example',
    '`configuration error: PORT must be an integer from 0 to 65535; got "eighty"`. A port already in use, or an',
    'address the host does not have, stops the service with one `fatal` log line, `cannot listen`, naming host and',
    'port (exit code 1). Limits that are not settings: URLs up to ' +
      `${MAX_URL_LENGTH} bytes, headers up to ${MAX_HEADER_SIZE / 1024} KiB, JSON bodies up to ${MAX_BODY_BYTES / 1024} KiB`,
    '(errors: [errors.md](errors.md)).',
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(CONFIGURATION_DOC, renderConfigurationDoc());
  process.stdout.write(`wrote ${path.relative(process.cwd(), CONFIGURATION_DOC)}\n`);
}
