import { describe, expect, it } from 'vitest';
import { parsePyYaml } from './py-yaml.js';

describe('YAML read as PyYAML safe_load reads it', () => {
  it('takes YAML 1.1 booleans and octals, but keeps y/n as text', () => {
    const text = [
      'password: y',
      'other: N',
      'ssl: on',
      'hot: OFF',
      'sure: yes',
      'quoted: "yes"',
      'mode: 0640',
      'list: [a, no, True]',
    ].join('\n');
    expect(parsePyYaml(text)).toEqual({
      password: 'y',
      other: 'N',
      ssl: true,
      hot: false,
      sure: true,
      quoted: 'yes',
      mode: 0o640,
      list: ['a', false, true],
    });
  });
});
