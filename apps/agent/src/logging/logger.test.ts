import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logSettings } from '../config/load-config.js';
import { createLogging, levelFor } from './logger.js';
import { asctime, formatPercent, interpolate, strftime } from './python-format.js';

function capture() {
  const lines: string[] = [];
  return { write: (chunk: string) => lines.push(chunk), lines };
}

// 2026-11-26 10:00:00.123 in local time, whatever the machine's zone.
const AT = new Date(2026, 10, 26, 10, 0, 0, 123).getTime();

describe('plain lines', () => {
  it("Patroni's default format: level at column 24", () => {
    const out = capture();
    const logging = createLogging(logSettings({}), { stream: out, now: () => AT });
    logging.root.info('no action. I am (%s), the leader with the lock', 'pg1');
    logging.root.warn('Request failed');
    logging.root.debug('not shown at INFO');
    logging.root.critical("Can't start; there is already a node named 'pg1' running");
    expect(out.lines).toEqual([
      '2026-11-26 10:00:00,123 INFO: no action. I am (pg1), the leader with the lock\n',
      '2026-11-26 10:00:00,123 WARNING: Request failed\n',
      "2026-11-26 10:00:00,123 CRITICAL: Can't start; there is already a node named 'pg1' running\n",
    ]);
    expect(out.lines[0]?.indexOf('INFO')).toBe(24);
  });

  it('log.format and log.dateformat in Python % style', () => {
    const out = capture();
    const settings = logSettings({
      format: '%(asctime)s [%(levelname)-8s] %(name)s %(module)s: %(message)s %%',
      dateformat: '%d/%m/%y %H:%M',
      level: 'DEBUG',
    });
    const logging = createLogging(settings, { stream: out, now: () => AT });
    logging.root.child('postmaster').debug('started');
    expect(out.lines).toEqual(['26/11/26 10:00 [DEBUG   ] patroni.postmaster postmaster: started %\n']);
  });

  it('per-logger levels follow the nearest configured ancestor', () => {
    const settings = logSettings({
      level: 'INFO',
      loggers: { 'patroni.postgresql': 'WARNING', 'patroni.ha': 'DEBUG' },
    });
    expect(levelFor('patroni.postgresql.postmaster', settings)).toBe('WARNING');
    expect(levelFor('patroni.ha', settings)).toBe('DEBUG');
    expect(levelFor('patroni.api', settings)).toBe('INFO');
    const out = capture();
    const logging = createLogging(settings, { stream: out, now: () => AT });
    logging.root.child('postgresql').child('postmaster').info('hidden');
    logging.root.child('ha').debug('shown');
    expect(out.lines).toEqual(['2026-11-26 10:00:00,123 DEBUG: shown\n']);
  });

  it('tracebacks follow traceback_level', () => {
    const error = new Error('boom');
    const atError = capture();
    createLogging(logSettings({}), { stream: atError, now: () => AT }).root.error(
      'Exception during execute',
      error,
    );
    expect(atError.lines[0]).toMatch(
      /^2026-11-26 10:00:00,123 ERROR: Exception during execute\nError: boom\n {4}at /,
    );
    const atDebug = capture();
    createLogging(logSettings({ traceback_level: 'DEBUG' }), { stream: atDebug, now: () => AT }).root.error(
      'Exception',
      error,
    );
    expect(atDebug.lines).toEqual(['2026-11-26 10:00:00,123 ERROR: Exception\n']);
  });

  it('deduplicates identical heartbeat lines when asked', () => {
    const out = capture();
    const logging = createLogging(logSettings({ deduplicate_heartbeat_logs: true }), {
      stream: out,
      now: () => AT,
    });
    for (const message of [
      'no action. I am (pg1)',
      'no action. I am (pg1)',
      'Lock owner: pg1',
      'no action. I am (pg1)',
    ]) {
      logging.root.info(message);
    }
    expect(out.lines.map((l) => l.slice(24))).toEqual([
      'INFO: no action. I am (pg1)\n',
      'INFO: Lock owner: pg1\n',
      'INFO: no action. I am (pg1)\n',
    ]);
  });
});

describe('json lines', () => {
  it('fields from the format string plus static fields', () => {
    const out = capture();
    const settings = logSettings({ type: 'json', static_fields: { app: 'patroni' } });
    createLogging(settings, { stream: out, now: () => AT }).root.info('hello');
    expect(JSON.parse(out.lines[0] ?? '')).toEqual({
      asctime: '2026-11-26 10:00:00,123',
      levelname: 'INFO',
      message: 'hello',
      app: 'patroni',
    });
  });

  it('a list of fields with renames', () => {
    const out = capture();
    const settings = logSettings({
      type: 'json',
      format: ['message', { levelname: 'level' }, { name: 'logger' }],
    });
    createLogging(settings, { stream: out, now: () => AT })
      .root.child('ha')
      .warn('x');
    expect(out.lines[0]).toBe('{"message":"x","level":"WARNING","logger":"patroni.ha"}\n');
  });
});

describe('log.dir with rotation', () => {
  it('rotates by size and keeps file_num files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-log-'));
    const settings = logSettings({ dir, file_size: 200, file_num: 2, mode: 0o640 });
    const logging = createLogging(settings, { now: () => AT });
    for (let i = 0; i < 20; i++) logging.root.info(`line number ${String(i).padStart(2, '0')} of the test`);
    logging.close();
    expect(readdirSync(dir).sort()).toEqual(['patroni.log', 'patroni.log.1', 'patroni.log.2']);
    const current = readFileSync(join(dir, 'patroni.log'), 'utf8');
    expect(current.length).toBeLessThanOrEqual(200);
    expect(current.trimEnd().split('\n').at(-1)).toContain('line number 19');
    expect(readFileSync(join(dir, 'patroni.log.1'), 'utf8')).toContain('INFO: line number');
    expect(statSync(join(dir, 'patroni.log')).mode & 0o777).toBe(0o640);
  });
});

describe('python formatting helpers', () => {
  it('formatPercent pads and converts', () => {
    expect(formatPercent('%(a)5s|%(a)-5s|%(n)03d|%(f).2f|%(missing)s', { a: 'ab', n: 7, f: 1.5 })).toBe(
      '   ab|ab   |007|1.50|%(missing)s',
    );
  });
  it('strftime and asctime', () => {
    const date = new Date(2026, 0, 5, 7, 8, 9, 4);
    expect(strftime(date, '%Y-%m-%dT%H:%M:%S %a %b %j %%')).toBe('2026-01-05T07:08:09 Mon Jan 005 %');
    expect(asctime(date, null)).toBe('2026-01-05 07:08:09,004');
  });
  it('interpolate', () => {
    expect(interpolate('%s is %d%%', ['lag', 5.7])).toBe('lag is 5%');
    expect(interpolate('no args %s', [])).toBe('no args %s');
  });
});
