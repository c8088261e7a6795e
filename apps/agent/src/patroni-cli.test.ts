import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runPatroni } from './patroni-cli.js';
import { ROOT_REFUSAL } from './root-check.js';

function capture() {
  let text = '';
  return { write: (s: string) => (text += s), text: () => text };
}

const testdata = (name: string) => new URL(`./config/testdata/${name}`, import.meta.url).pathname;
const BIN_DIR = '/usr/lib/postgresql/15/bin';

// A listening socket stands in for the DCS endpoint: the validator only checks that it accepts a connection.
let dcsEndpoint: Server;
let dcsPort = 0;
beforeAll(async () => {
  dcsEndpoint = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => dcsEndpoint.listen(0, '127.0.0.1', resolve));
  dcsPort = (dcsEndpoint.address() as { port: number }).port;
});
afterAll(() => {
  dcsEndpoint.close();
});

function goodConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
  const file = join(dir, 'pg.yml');
  // Ports 1 and 2 on 192.0.2.x (TEST-NET) are never in use locally; connect addresses are not loopback.
  const text = readFileSync(testdata('postgres0.yml'), 'utf8')
    .replace('listen: 127.0.0.1:8008', 'listen: 127.0.0.1:1')
    .replace('listen: 127.0.0.1:5432', 'listen: 127.0.0.1:2')
    .replaceAll('connect_address: 127.0.0.1:', 'connect_address: 192.0.2.10:')
    .replace('host: 127.0.0.1:2379', `host: 127.0.0.1:${dcsPort}`)
    .replace('#  bin_dir:', `  bin_dir: ${BIN_DIR}`);
  writeFileSync(file, text);
  return file;
}

describe('patroni --validate-config', () => {
  it("Patroni's own sample: loopback connect addresses, missing binaries, unreachable etcd", async () => {
    const err = capture();
    const code = await runPatroni(
      ['--validate-config', '--ignore-listen-port', testdata('postgres0.yml')],
      capture(),
      err,
      {
        env: { PATH: '/nonexistent' },
      },
    );
    expect(code).toBe(1);
    expect(err.text()).toBe(
      [
        'restapi.connect_address 127.0.0.1:8008 must not contain "127.0.0.1", "0.0.0.0", "*", "::1", "localhost"',
        'postgresql.connect_address 127.0.0.1:5432 must not contain "127.0.0.1", "0.0.0.0", "*", "::1", "localhost"',
        ...['pg_ctl', 'initdb', 'pg_controldata', 'pg_basebackup', 'postgres', 'pg_isready'].map(
          (bin) => `postgresql.bin_dir  didn't pass validation: does not contain '${bin}' in '$PATH'`,
        ),
        "etcd.host 127.0.0.1:2379 didn't pass validation: 127.0.0.1:2379 is not reachable",
        '',
      ].join('\n'),
    );
  });

  it('a bin_dir that does not exist', async () => {
    const err = capture();
    const env = { PATRONI_POSTGRESQL_BIN_DIR: '/nonexistent/bin' };
    expect(await runPatroni(['--validate-config', '-i', goodConfig()], capture(), err, { env })).toBe(1);
    expect(err.text()).toBe(
      "postgresql.bin_dir /nonexistent/bin didn't pass validation: Directory '/nonexistent/bin' does not exist.\n",
    );
  });

  it('a valid file exits 0 silently; --print writes the merged YAML', async () => {
    const file = goodConfig();
    const quiet = capture();
    expect(await runPatroni(['--validate-config', file], quiet, capture(), { env: {} })).toBe(0);
    expect(quiet.text()).toBe('');
    const out = capture();
    expect(
      await runPatroni(['--validate-config', '--print', file], out, capture(), {
        env: { PATRONI_NAME: 'from-env' },
      }),
    ).toBe(0);
    const printed = parse(out.text()) as Record<string, unknown>;
    expect(printed.name).toBe('from-env');
    expect(out.text().indexOf('bootstrap:')).toBeLessThan(out.text().indexOf('etcd:'));
  });

  it('a port already in use is reported unless -i is given', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const file = goodConfig();
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('listen: 127.0.0.1:1', `listen: 127.0.0.1:${port}`),
      );
      const err = capture();
      expect(await runPatroni(['--validate-config', file], capture(), err, { env: {} })).toBe(1);
      expect(err.text()).toBe(
        `restapi.listen 127.0.0.1:${port} didn't pass validation: Port ${port} is already in use.\n`,
      );
      expect(await runPatroni(['--validate-config', '-i', file], capture(), capture(), { env: {} })).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('patroni startup', () => {
  it('refuses to run as root with exit code 1', async () => {
    const err = capture();
    expect(await runPatroni([goodConfig()], capture(), err, { env: {}, uid: 0 })).toBe(1);
    expect(err.text()).toBe(`${ROOT_REFUSAL}\n`);
  });

  it('hands the validated config to the daemon', async () => {
    let seen = '';
    const code = await runPatroni([goodConfig()], capture(), capture(), {
      env: {},
      uid: 1000,
      runDaemon: async (config) => {
        seen = `${config.scope}/${config.name}`;
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(seen).toBe('batman/postgresql0');
  });

  it('prints every config problem and exits 1', async () => {
    const err = capture();
    expect(
      await runPatroni(['/nonexistent.yml'], capture(), err, { env: { PATRONI_SCOPE: 'x' }, uid: 1000 }),
    ).toBe(1);
    expect(err.text()).toContain('name  is not defined.\n');
    expect(err.text()).toContain('postgresql  is not defined.\n');
  });

  it('usage errors exit 2', async () => {
    const err = capture();
    expect(
      await runPatroni(['--validate-config', '--generate-sample-config'], capture(), err, { env: {} }),
    ).toBe(2);
    expect(err.text()).toContain('patroni: error: argument --generate-sample-config: not allowed');
  });
});

describe('patroni --generate-sample-config', () => {
  it('generates a sample for the installed PostgreSQL', async () => {
    const out = capture();
    const env = { PATRONI_POSTGRESQL_BIN_DIR: '/usr/lib/postgresql/15/bin', PATRONI_SCOPE: 'demo' };
    expect(await runPatroni(['--generate-sample-config'], out, capture(), { env })).toBe(0);
    const text = out.text();
    expect(text).toMatch(
      /^scope: demo\nname: \S+\n\nlog:\n {2}format: '%\(asctime\)s %\(levelname\)s: %\(message\)s'\n/,
    );
    expect(text).toContain('\nbootstrap:\n  # This section will be written into');
    expect(text).toContain(
      '  dcs:\n    loop_wait: 10\n    retry_timeout: 10\n    ttl: 30\n    postgresql:\n',
    );
    const parsed = parse(text, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    expect(parsed.postgresql?.pg_hba).toEqual([
      'host all all all scram-sha-256',
      'host replication replicator all scram-sha-256',
    ]);
    expect(parsed.postgresql?.authentication).toMatchObject({
      rewind: { username: 'rewind_user', password: '#FIXME' },
    });
    const dcs = (parsed.bootstrap as Record<string, Record<string, Record<string, unknown>>>).dcs;
    expect(dcs?.postgresql?.parameters).toMatchObject({
      wal_keep_size: '128MB',
      wal_level: 'replica',
      hot_standby: 'on',
    });
    expect(dcs?.postgresql?.use_pg_rewind).toBe(true);
  });

  it('writes to the given file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agent-sample-')), 'sub', 'patroni.yml');
    const env = { PATRONI_POSTGRESQL_BIN_DIR: '/usr/lib/postgresql/15/bin' };
    expect(await runPatroni(['--generate-sample-config', file], capture(), capture(), { env })).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain("scope: '#FIXME'");
  });
});
