// A tiny scenario language for golden transcripts (STYLE.md 9): one command per line, `#` comments.
//   nodes pg1 pg2 pg3            add agents          node pg4 nofailover=true   one agent with tags
//   start pg1 pg2                start agents        advance 30s                move virtual time
//   crash pg1                    Postgres dies       kill pg1                   the agent dies (no shutdown)
//   stop pg1                     graceful shutdown   dcs unreachable pg1 / dcs reachable pg1
//   switchover pg1 pg2           write /failover     failover pg2               /failover {member}
//   config {"pause":true}        merge into /config  expect leader pg2 | expect primaries pg2 | expect no-leader
import { SimCluster } from './sim-cluster.js';

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`bad duration: ${text}`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000;
}

function parseTags(words: string[]): Record<string, unknown> {
  const tags: Record<string, unknown> = {};
  for (const word of words) {
    const [key, value] = word.split('=');
    if (key) tags[key] = value === 'true' ? true : value === 'false' ? false : (value ?? true);
  }
  return tags;
}

function writeJson(sim: SimCluster, key: string, value: unknown): void {
  sim.store.write(key, JSON.stringify(value));
}

async function runCommand(sim: SimCluster, words: string[]): Promise<string[]> {
  const [command, ...args] = words;
  const problems: string[] = [];
  switch (command) {
    case 'nodes':
      for (const name of args) sim.addNode(name);
      break;
    case 'node':
      sim.addNode(args[0] ?? '', parseTags(args.slice(1)));
      break;
    case 'start':
      for (const name of args) sim.start(name);
      break;
    case 'advance':
      await sim.advance(parseDuration(args[0] ?? ''));
      break;
    case 'crash':
      sim.node(args[0] ?? '').pg.crash();
      break;
    case 'kill':
      await sim.kill(args[0] ?? '');
      break;
    case 'stop':
      await sim.stop(args[0] ?? '');
      break;
    case 'dcs':
      sim.node(args[1] ?? '').kv.setUnreachable(args[0] === 'unreachable');
      break;
    case 'switchover':
      writeJson(sim, 'failover', { leader: args[0], ...(args[1] ? { member: args[1] } : {}) });
      break;
    case 'failover':
      writeJson(sim, 'failover', { member: args[0] });
      break;
    case 'config': {
      const current = JSON.parse(sim.store.get('config')?.value ?? '{}') as Record<string, unknown>;
      writeJson(sim, 'config', { ...current, ...(JSON.parse(args.join(' ')) as Record<string, unknown>) });
      break;
    }
    case 'expect':
      problems.push(...checkExpectation(sim, args));
      break;
    default:
      throw new Error(`unknown scenario command: ${words.join(' ')}`);
  }
  return problems;
}

function checkExpectation(sim: SimCluster, args: string[]): string[] {
  const [what, ...names] = args;
  if (what === 'leader' && sim.leader() !== names[0])
    return [`expected leader ${names[0]}, got ${sim.leader()}`];
  if (what === 'no-leader' && sim.leader() !== null) return [`expected no leader, got ${sim.leader()}`];
  if (what === 'primaries') {
    const actual = sim.primaries().sort().join(' ');
    if (actual !== names.sort().join(' '))
      return [`expected primaries [${names.join(' ')}], got [${actual}]`];
  }
  return [];
}

/** Runs a script; returns the transcript and the failed expectations. */
export async function runScenario(script: string): Promise<{ transcript: string; failures: string[] }> {
  const sim = new SimCluster();
  const out: string[] = [];
  const failures: string[] = [];
  try {
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      out.push(`> ${line}`);
      const before = sim.transcript.length;
      const problems = await runCommand(sim, line.split(/\s+/));
      out.push(...sim.transcript.slice(before));
      for (const problem of problems) {
        out.push(`!! ${problem}`);
        failures.push(`${line}: ${problem}`);
      }
    }
  } finally {
    await sim.shutdownAll();
  }
  return { transcript: `${out.join('\n')}\n`, failures };
}
