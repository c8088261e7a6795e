import { describe, expect, it } from 'vitest';
import { describeValue, formatIssues, mismatchMessage } from './issues.js';

describe('issue wording', () => {
  it('describes values briefly and unambiguously', () => {
    expect([undefined, null, 5, true, 'x', [], {}].map(describeValue)).toEqual([
      'nothing',
      'null',
      '5',
      'true',
      '"x"',
      'a list',
      'a mapping',
    ]);
  });

  it('builds mismatch messages, or uses the caller wording', () => {
    expect(mismatchMessage('a string', 5)).toBe('expected a string, got 5');
    expect(mismatchMessage('a string', undefined)).toBe('is required (expected a string)');
    expect(mismatchMessage('a string', 5, 'is not a string')).toBe('is not a string');
    expect(mismatchMessage('a string', undefined, (v) => (v === undefined ? 'is not defined.' : 'bad'))).toBe(
      'is not defined.',
    );
  });

  it('formats issues as dotted paths under an optional root', () => {
    const issues = [
      { path: ['authentication', 'superuser', 'username'], message: 'is required (expected a string)' },
      { path: ['hosts', 0], message: 'must not be empty' },
      { path: [], message: 'one of host, hosts is required' },
    ];
    expect(formatIssues(issues, 'etcd')).toBe(
      'etcd.authentication.superuser.username: is required (expected a string); etcd.hosts.0: must not be empty; ' +
        'etcd: one of host, hosts is required',
    );
    expect(formatIssues(issues.slice(2))).toBe('one of host, hosts is required');
  });
});
