import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The newest PostgreSQL bin dir under /usr/lib/postgresql (Debian's layout). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) throw new Error('no PostgreSQL under /usr/lib/postgresql: apt-get install postgresql-15');
  return join(root, newest, 'bin');
}

/** PostgreSQL refuses to run as root; tests that start it are run as an unprivileged user. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}
