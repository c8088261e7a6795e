// Lint rules biome cannot express. The HA engine must stay pure (STYLE.md 1): no awaits, clocks,
// randomness or IO in packages/ha-core/src/engine; time and randomness come in as inputs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ENGINE_DIR = 'packages/ha-core/src/engine';
const FORBIDDEN = [
  [/\bMath\.random\b/, 'Math.random (randomness comes in as an input)'],
  [/\bDate\.now\b|\bnew Date\b/, 'clock reads (time comes in as an input)'],
  [/\bawait\b|\basync\b/, 'async code (the engine is synchronous)'],
  [/from\s+['"]node:/, 'node: imports (no IO)'],
];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) yield path;
  }
}

let problems = 0;
for (const file of sourceFiles(ENGINE_DIR)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(code)) {
        console.error(`${file}:${index + 1}: the HA engine must stay pure: ${what}`);
        problems++;
      }
    }
  });
}
if (problems > 0) process.exit(1);
