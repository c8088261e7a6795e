import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { freePort, makeTempDir, waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { startHaproxy } from './haproxy.js';

/** A stand-in node: a TCP "database" that says its name, and a health endpoint we can flip. */
async function fakeNode(name: string, role: { primary: boolean }) {
  const pgPort = await freePort();
  const restPort = await freePort();
  const pg: Server = createServer((socket) => {
    // HAProxy may reset proxied connections; that is no test failure.
    socket.on('error', () => undefined);
    socket.end(name);
  });
  const rest: HttpServer = createHttpServer((req, res) => {
    const isPrimaryCheck = req.url === '/primary';
    const healthy = isPrimaryCheck ? role.primary : !role.primary;
    res.writeHead(healthy ? 200 : 503).end();
  });
  await new Promise<void>((r) => pg.listen(pgPort, '127.0.0.1', r));
  await new Promise<void>((r) => rest.listen(restPort, '127.0.0.1', r));
  return {
    backend: { name, pgPort, restPort },
    role,
    close: () => Promise.all([new Promise((r) => pg.close(r)), new Promise((r) => rest.close(r))]),
  };
}

function readName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (d) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** True when several consecutive connections all reach `name` (round-robin would expose a second server). */
async function onlyReaches(port: number, name: string): Promise<boolean> {
  for (let i = 0; i < 6; i++) if ((await readName(port)) !== name) return false;
  return true;
}

describe('HAProxy in front of the cluster', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('routes the primary port by /primary and follows a role change', async () => {
    const dir = await makeTempDir('haproxy');
    cleanups.push(dir.remove);
    const a = await fakeNode('a', { primary: true });
    const b = await fakeNode('b', { primary: false });
    cleanups.push(a.close, b.close);
    const haproxy = await startHaproxy(dir.path, [a.backend, b.backend]);
    cleanups.push(haproxy.stop);

    await waitUntil('primary port reaches a', () => onlyReaches(haproxy.primaryPort, 'a'), 10_000);
    await waitUntil('replica port reaches b', () => onlyReaches(haproxy.replicaPort, 'b'), 10_000);

    a.role.primary = false;
    b.role.primary = true;
    await waitUntil('primary port follows to b', () => onlyReaches(haproxy.primaryPort, 'b'), 10_000);
    await waitUntil('replica port follows to a', () => onlyReaches(haproxy.replicaPort, 'a'), 10_000);
    expect(await onlyReaches(haproxy.primaryPort, 'b')).toBe(true);
  });
});
