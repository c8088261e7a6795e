import type { Cluster, Dcs } from '@patroni/ha-core';
import { AgentError, AgentErrorCode } from '../errors.js';
import type { CtlConfig } from './ctl-config.js';
import { formatMembers, type MemberTableOptions } from './member-table.js';
import type { Prompter } from './prompt.js';
import type { RestClient } from './rest-client.js';

export interface Out {
  write(chunk: string): unknown;
}

/** Everything a patronictl command uses; the CLI builds the real one, tests their own. */
export interface CtlContext {
  readonly config: CtlConfig;
  readonly out: Out;
  readonly err: Out;
  readonly prompter: Prompter;
  readonly rest: RestClient;
  /** Opens the DCS for a cluster in ctl mode; the command closes it. */
  openDcs(clusterName: string): Promise<Dcs>;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Runs the editor on a file (edit-config); resolves to its exit code. */
  runEditor(command: string, file: string): Promise<number>;
  readonly stdinText: () => Promise<string>;
}

export type { MemberTableOptions };

/** `Aborted!` (an interrupted prompt), exit code 1. */
export function aborted(): AgentError {
  return new AgentError(AgentErrorCode.CtlAborted, 'Aborted!');
}

export async function ask(
  ctx: CtlContext,
  text: string,
  options?: { default?: string; hidden?: boolean },
): Promise<string> {
  const answer = await ctx.prompter.prompt(text, options);
  if (answer === null) throw aborted();
  return answer;
}

export async function confirm(ctx: CtlContext, text: string): Promise<boolean> {
  const answer = await ctx.prompter.confirm(text);
  if (answer === null) throw aborted();
  return answer;
}

/** Reads the cluster with a linearizable read. */
export async function withCluster<T>(
  ctx: CtlContext,
  clusterName: string,
  body: (cluster: Cluster, dcs: Dcs) => Promise<T>,
): Promise<T> {
  const dcs = await ctx.openDcs(clusterName);
  try {
    return await body(await dcs.loadCluster({ consistent: true }), dcs);
  } finally {
    await dcs.close({ keepSession: false });
  }
}

export function printMembers(
  ctx: CtlContext,
  cluster: Cluster,
  clusterName: string,
  options: MemberTableOptions = {},
): void {
  ctx.out.write(formatMembers(cluster, clusterName, options));
}

/** patronictl's `timestamp()`: local `YYYY-MM-DD HH:MM:SS.fffff` (microseconds with the last digit cut). */
export function ctlTimestamp(date: Date, precision = 5): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const micro = `${String(date.getMilliseconds()).padStart(3, '0')}000`.slice(0, precision);
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${precision > 0 ? `.${micro}` : ''}`;
}
