/** Unsafe endpoints: body rules, Patroni's validation messages, what reaches AgentCommands and how answers map. */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BENCH_CONFIG, NOW_MS, statusOf } from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { rawExchange, request } from './test-support/http-client.js';

let api: Harness;
beforeEach(async () => {
  api = await startApi(statusOf('replica'));
});
afterEach(() => api.close());

const post = (path: string, body?: string, method = 'POST') => request(api.port, path, { method, body });
const json = (value: unknown) => JSON.stringify(value);
const lastCall = () => api.commands.calls.at(-1);

describe('request bodies (rest-api.md §1.2)', () => {
  test('required body: no Content-Length → 411, empty or {} or not an object or bad JSON → 400', async () => {
    const raw = await rawExchange(
      api.port,
      'POST /switchover HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(raw.startsWith('HTTP/1.1 411 ')).toBe(true);
    for (const body of ['', '{}', '[1]', '"x"', '{bad json', 'null']) {
      expect([body, (await post('/switchover', body)).status]).toEqual([body, 400]);
    }
    expect(api.commands.calls).toEqual([]);
  });

  test('optional body: absent, empty and {} mean {} ; bad JSON → 400', async () => {
    const raw = await rawExchange(api.port, 'POST /restart HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect((await post('/restart', '')).status).toBe(200);
    expect((await post('/restart', '{}')).status).toBe(200);
    expect((await post('/restart', '{nope')).status).toBe(400);
    expect(api.commands.calls.map((c) => c.args[0])).toEqual([{}, {}, {}]);
  });

  test('any Content-Type is accepted (patronictl sends none, curl sends form)', async () => {
    const response = await request(api.port, '/reinitialize', {
      method: 'POST',
      body: json({ force: 'yes' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    expect(lastCall()?.args[0]).toEqual({ force: true, fromLeader: false });
  });
});

describe('POST /restart', () => {
  test.each([
    [{ role: 'master' }, 400, 'PostgreSQL role should be either primary, standby_leader, or replica'],
    [{ postgres_version: '9.6' }, 400, 'Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 9.6'],
    [{ postgres_version: 'a.b.c' }, 400, 'Invalid PostgreSQL version: a.b.c'],
    [{ postgres_version: 15.2 }, 400, 'Invalid PostgreSQL version: 15.2'],
    [{ timeout: '0' }, 400, 'Timeout should be a positive number of seconds'],
    [{ timeout: 'soon' }, 400, 'Timeout should be a positive number of seconds'],
    [{ foo: 1 }, 400, 'Unknown filter for the scheduled restart: foo'],
    [{ schedule: '2026-11-26T12:00:00' }, 400, 'Timezone information is mandatory for the scheduled restart'],
    [{ schedule: '2026-11-26T09:00:00+00:00' }, 422, 'Cannot schedule restart in the past'],
    [
      { schedule: 'next tuesday' },
      422,
      'Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601',
    ],
    [{ role: 'replica', foo: 1, timeout: -1 }, 400, 'Unknown filter for the scheduled restart: foo'],
  ])('%j → %i %s', async (body, status, message) => {
    const response = await post('/restart', json(body));
    expect([response.status, response.body, response.headers['content-type']]).toEqual([
      status,
      message,
      'text/html',
    ]);
    expect(api.commands.calls).toEqual([]);
  });

  test('a valid request reaches the agent normalised', async () => {
    api.commands.answers.restart = { status: 202, body: 'Restart scheduled' };
    const body = {
      schedule: '2026-11-26T12:30:00.5+01:00',
      role: 'replica',
      postgres_version: '15.4',
      timeout: '2min',
      restart_pending: false,
    };
    const response = await post('/restart', json(body));
    expect([response.status, response.body]).toEqual([202, 'Restart scheduled']);
    expect(lastCall()).toEqual({
      method: 'restart',
      args: [
        {
          schedule: '2026-11-26T12:30:00.500000+01:00',
          role: 'replica',
          postgresVersion: '15.4',
          timeoutSeconds: 120,
          restartPending: true,
        },
      ],
    });
  });

  test('paused: a scheduled restart is refused with 500 before validation', async () => {
    api.status = statusOf('replica', { paused: true });
    const response = await post('/restart', json({ schedule: 'garbage', foo: 1 }));
    expect([response.status, response.body]).toEqual([500, "Can't schedule restart in the paused state"]);
  });

  test('DELETE /restart passes the agent answer through', async () => {
    const response = await request(api.port, '/restart', { method: 'DELETE' });
    expect([response.status, response.body]).toEqual([404, 'no restarts are scheduled']);
  });
});

describe('POST /switchover and /failover', () => {
  test.each([
    ['/failover', { leader: 'node2' }, 'Failover could be performed only to a specific candidate'],
    ['/switchover', { candidate: 'node1' }, 'Switchover could be performed only from a specific leader'],
    [
      '/failover',
      { candidate: 'node1', scheduled_at: '2026-11-26T12:00:00+00:00' },
      "Failover can't be scheduled",
    ],
    ['/switchover', { leader: 'node2', candidate: 'node2' }, 'Switchover target and source are the same'],
    ['/failover', { leader: 'node1', member: 'node1' }, 'Switchover target and source are the same'],
    [
      '/switchover',
      { leader: 'node2', scheduled_at: '2026-11-26T12:00:00' },
      'Timezone information is mandatory for the scheduled switchover',
    ],
  ])('%s %j → 400 %s', async (path, body, message) => {
    const response = await post(path, json(body));
    expect([response.status, response.body]).toEqual([400, message]);
    expect(api.commands.calls).toEqual([]);
  });

  test('scheduled in the past → 422', async () => {
    const response = await post(
      '/switchover',
      json({ leader: 'node2', scheduled_at: '2020-01-01T00:00:00Z' }),
    );
    expect([response.status, response.body]).toEqual([422, 'Cannot schedule switchover in the past']);
  });

  test('paused: no scheduling, candidate required', async () => {
    api.status = statusOf('replica', { paused: true });
    const scheduled = await post(
      '/switchover',
      json({ leader: 'node2', candidate: 'node1', scheduled_at: '2026-11-26T12:00:00Z' }),
    );
    expect([scheduled.status, scheduled.body]).toEqual([
      400,
      "Can't schedule switchover in the paused state",
    ]);
    const noCandidate = await post('/switchover', json({ leader: 'node2' }));
    expect([noCandidate.status, noCandidate.body]).toEqual([
      400,
      'Switchover is possible only to a specific candidate in a paused state',
    ]);
  });

  test('valid requests reach the agent; a failover naming a leader becomes a switchover', async () => {
    await post(
      '/switchover',
      json({ leader: 'node2', candidate: 'node1', scheduled_at: '2026-11-26T12:00:00Z' }),
    );
    await post('/failover', json({ candidate: 'node3' }));
    await post('/failover', json({ leader: 'node2', member: 'node3' }));
    expect(api.commands.calls.map((c) => c.args[0])).toEqual([
      { kind: 'switchover', leader: 'node2', candidate: 'node1', scheduledAt: '2026-11-26T12:00:00+00:00' },
      { kind: 'failover', candidate: 'node3' },
      { kind: 'switchover', leader: 'node2', candidate: 'node3' },
    ]);
  });

  test('the agent answer (412, 503, 200) is passed through as text', async () => {
    api.commands.answers.switchover = { status: 412, body: 'candidate does not exists' };
    const response = await post('/switchover', json({ leader: 'node2', candidate: 'ghost' }));
    expect([response.status, response.body]).toEqual([412, 'candidate does not exists']);
  });

  test('DELETE /switchover: 409 from a lost CAS is an error page', async () => {
    api.commands.answers.cancelScheduledSwitchover = { status: 409, body: '', errorPage: true };
    const response = await request(api.port, '/switchover', { method: 'DELETE' });
    expect([response.status, response.headers['content-type']]).toEqual([409, 'text/html;charset=utf-8']);
  });
});

describe('config, reload, reinitialize, failsafe, misc', () => {
  test('PATCH and PUT /config hand the object over and answer its JSON', async () => {
    api.commands.answers.updateConfig = { status: 200, body: { ttl: 40, loop_wait: 10 } };
    const patched = await request(api.port, '/config', { method: 'PATCH', body: json({ ttl: 40 }) });
    expect([patched.status, patched.headers['content-type'], patched.body]).toEqual([
      200,
      'application/json',
      '{"ttl": 40, "loop_wait": 10}',
    ]);
    await request(api.port, '/config', { method: 'PUT', body: json(BENCH_CONFIG) });
    expect(api.commands.calls.map((c) => c.args[0])).toEqual([
      { kind: 'patch', value: { ttl: 40 } },
      { kind: 'replace', value: BENCH_CONFIG },
    ]);
  });

  test('POST /reload → 202 reload scheduled', async () => {
    const response = await post('/reload');
    expect([response.status, response.body]).toEqual([202, 'reload scheduled']);
  });

  test('POST /reinitialize passes force and from_leader as booleans', async () => {
    await post('/reinitialize', json({ force: 'on', from_leader: 1 }));
    expect(lastCall()?.args[0]).toEqual({ force: true, fromLeader: true });
  });

  test('POST /failsafe: 502 when failsafe mode is off; Accepted with the lsn header when on', async () => {
    const heartbeat = {
      name: 'node2',
      conn_url: 'postgres://x/postgres',
      api_url: 'http://x/patroni',
      slots: { a: 1 },
    };
    expect((await post('/failsafe', json(heartbeat))).status).toBe(502);
    const config = { ...BENCH_CONFIG, failsafe_mode: true };
    api.status = statusOf('replica', { dynamicConfig: config });
    const response = await post('/failsafe', json(heartbeat));
    expect([response.status, response.body, response.headers.lsn]).toEqual([200, 'Accepted', '123']);
    expect(lastCall()?.args[0]).toEqual(heartbeat);
    expect((await post('/failsafe', json({ name: 1 }))).status).toBe(400);
  });

  test('POST /sigterm, /mpp and /citus answer as Patroni', async () => {
    expect((await post('/sigterm')).status).toBe(202);
    expect((await post('/mpp', json({ type: 'after_promote' }))).body).toBe('OK');
    expect((await post('/citus', json({ type: 'after_promote' }))).status).toBe(200);
  });

  test('an agent failure is a 500 error page, the server keeps serving', async () => {
    api.commands.reload = () => Promise.reject(new Error('boom'));
    expect((await post('/reload')).status).toBe(500);
    expect((await request(api.port, '/health')).status).toBe(200);
  });

  test('unsupported method/segment combinations answer 501', async () => {
    for (const [method, path] of [
      ['POST', '/'],
      ['PUT', '/patroni'],
      ['DELETE', '/config'],
      ['PATCH', '/foo'],
      ['POST', '/health'],
    ] as const) {
      expect([method, path, (await request(api.port, path, { method })).status]).toEqual([method, path, 501]);
    }
  });

  test('clock is the injected one', () => {
    expect(api.nowMs).toBe(NOW_MS);
  });
});
