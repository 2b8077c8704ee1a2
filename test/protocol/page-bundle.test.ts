/**
 * The page imports protocol/index.ts, which re-exports name-identity.ts; the
 * confusables table and the script list must still stay out of the built page
 * (its budget, test/web/budget.test.ts). `npm test` builds before Vitest runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/processes.ts';
import { NAME_MIXED_SCRIPTS_LINE } from '../../protocol/index.ts';
import { CONFUSABLES } from '../../protocol/confusables.generated.ts';
import { SCRIPTS } from '../../protocol/scripts.generated.ts';

it('leaves the name-identity tables out of the built page', () => {
  const assets = join(REPO, 'dist', 'assets');
  expect(existsSync(assets), 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
  const js = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n');
  // The page does bundle the protocol (its lines), so the search looks in the right place.
  expect(js.includes(NAME_MIXED_SCRIPTS_LINE)).toBe(true);
  // Long entries only (a prototype of several code points), so that no minified name can match by chance.
  const entries = CONFUSABLES.split('\n').filter((l) => l.length >= 14);
  expect(entries.length).toBeGreaterThan(100);
  // (Not `Default_Ignorable`: the name prompt itself uses that property to name invisible characters.)
  for (const sample of [entries[0]!, entries[100]!, entries.at(-1)!, 'Script_Extensions']) {
    expect(js.includes(sample), `the page bundles ${sample}`).toBe(false);
  }
  for (const script of SCRIPTS.filter((s) => s.length > 8)) expect(js.includes(script), `the page bundles ${script}`).toBe(false);
});
