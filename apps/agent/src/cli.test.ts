import { describe, expect, it } from 'vitest';
import { runPatroni } from './patroni-cli.js';
import { runPatronictl } from './patronictl-cli.js';

function capture() {
  let text = '';
  return { write: (s: string) => (text += s), text: () => text };
}

describe('command lines', () => {
  it('patroni --version prints the package version', async () => {
    const out = capture();
    expect(await runPatroni(['--version'], out, capture())).toBe(0);
    expect(out.text()).toMatch(/^patroni \d+\.\d+\.\d+\n$/);
  });
  it('patroni --help shows usage', async () => {
    const out = capture();
    expect(await runPatroni(['--help'], out, capture())).toBe(0);
    expect(out.text()).toContain('usage: patroni');
  });
  it('patronictl --version and --help', async () => {
    const out = capture();
    expect(await runPatronictl(['--version'], out, capture())).toBe(0);
    expect(out.text()).toMatch(/^patronictl version \d+\.\d+\.\d+\n$/);
    const help = capture();
    expect(await runPatronictl(['--help'], help, capture())).toBe(0);
    expect(help.text()).toContain('Usage: patronictl');
  });
  it('patronictl rejects an unknown command with exit code 2', async () => {
    const err = capture();
    expect(await runPatronictl(['frobnicate'], capture(), err)).toBe(2);
    expect(err.text()).toContain("No such command 'frobnicate'");
  });
});
