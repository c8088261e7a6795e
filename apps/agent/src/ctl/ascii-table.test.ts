import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPrettyTable } from './ascii-table.js';

const reference = (name: string) => readFileSync(`/work/shared/reference/patroni-3.0.2/${name}`, 'utf8');

describe('renderPrettyTable', () => {
  it('matches the captured `patronictl list` of Patroni 3.0.2', () => {
    const table = renderPrettyTable(
      ['Member', 'Host', 'Role', 'State', 'TL', 'Lag in MB'],
      [
        ['node1', '127.0.0.1:15432', 'Replica', 'running', 2, 0],
        ['node2', '127.0.0.1:15433', 'Leader', 'running', 2, ''],
        ['node3', '127.0.0.1:15434', 'Replica', 'running', 2, 0],
      ],
      { title: ' Cluster: bench ', rightAligned: new Set(['TL', 'Lag in MB']) },
    );
    expect(`${table}\n`).toBe(reference('patronictl_list.txt'));
  });

  it('matches the captured `patronictl history`', () => {
    const table = renderPrettyTable(
      ['TL', 'LSN', 'Reason', 'Timestamp', 'New Leader'],
      [[1, 67280280, 'no recovery target specified', '2026-11-26T10:03:51.516755+00:00', 'node2']],
      { rightAligned: new Set(['TL', 'LSN']) },
    );
    expect(`${table}\n`).toBe(reference('patronictl_history.txt'));
  });

  it('multi-line cells get a rule after every row; a long title is cut to the border', () => {
    const table = renderPrettyTable(
      ['A', 'B'],
      [
        ['x', 'l1\nl2'],
        ['y', 'z'],
      ],
      { title: ' A very long title ' },
    );
    expect(table).toBe(
      [
        '+ A very +',
        '| A | B  |',
        '+---+----+',
        '| x | l1 |',
        '|   | l2 |',
        '+---+----+',
        '| y | z  |',
        '+---+----+',
      ].join('\n'),
    );
  });
});
