// Golden transcripts of scenario scripts (src/engine/testdata/scenarios/*.txt → *.golden).
// Rewrite them after a reviewed behaviour change with: UPDATE_TRANSCRIPTS=1 node_modules/.bin/vitest run <this file>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from './test-support/scenario-script.js';

const DIR = join(import.meta.dirname, '..', 'engine', 'testdata', 'scenarios');
const scripts = readdirSync(DIR).filter((f) => f.endsWith('.txt'));

describe('scenario transcripts', () => {
  it.each(scripts)('%s', async (file) => {
    const { transcript, failures } = await runScenario(readFileSync(join(DIR, file), 'utf8'));
    const goldenPath = join(DIR, file.replace(/\.txt$/, '.golden'));
    if (process.env.UPDATE_TRANSCRIPTS === '1') writeFileSync(goldenPath, transcript);
    expect(failures).toEqual([]);
    expect(transcript).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
