import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_VARIABLES } from './config';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './config-docs';

const docs = suite('docs/configuration.md');

docs('is what CONFIG_VARIABLES renders (run `npm run docs -w service` after changing a variable)', () => {
  assert.fixture(readFileSync(CONFIGURATION_DOC, 'utf8'), renderConfigurationDoc());
});

docs('has one row per variable, with its default, what it accepts and what it does', () => {
  const page = renderConfigurationDoc();
  for (const { name, accepts, description } of CONFIG_VARIABLES) {
    const rows = page.split('\n').filter((line) => line.startsWith(`| \`${name}\` |`));
    assert.is(rows.length, 1, name);
    assert.ok(accepts !== '' && description !== '', name);
  }
});

docs.run();
