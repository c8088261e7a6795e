import { readFileSync } from 'node:fs';

/** The agent's version, read from its own package.json so a published tarball reports what it is. */
export function agentVersion(): string {
  const pkgUrl = new URL('../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };
  return pkg.version;
}
