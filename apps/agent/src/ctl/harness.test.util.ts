/**
 * Test helpers for patronictl: a cluster in the in-memory DCS of @patroni/ha-core seeded from the keys Python
 * Patroni 3.0.2 wrote (`/work/shared/reference`), a member REST API served by a small HTTP server, and
 * scripted prompt answers.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Dcs, KvDcs } from '@patroni/ha-core';
import { MemoryKv, MemoryKvStore } from '@patroni/ha-core/testing';
import { runPatronictl } from '../patronictl-cli.js';
import type { Prompter } from './prompt.js';

export const REFERENCE_DIR = '/work/shared/reference/patroni-3.0.2';

/** The `etcdctl get --prefix` capture as relative key → value. */
export function referenceKeys(): Map<string, string> {
  const lines = readFileSync(`${REFERENCE_DIR}/etcd_get_prefix_service.txt`, 'utf8').trimEnd().split('\n');
  const keys = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2)
    keys.set((lines[i] as string).replace('/service/bench/', ''), lines[i + 1] as string);
  return keys;
}

export class TestCluster {
  readonly store = new MemoryKvStore();
  readonly opened: Dcs[] = [];

  constructor(keys: Map<string, string> = referenceKeys()) {
    for (const [key, value] of keys) this.store.write(key, value);
  }

  setJson(key: string, value: unknown): void {
    this.store.write(key, typeof value === 'string' ? value : JSON.stringify(value));
  }

  json(key: string): unknown {
    const node = this.store.get(key);
    return node ? JSON.parse(node.value) : undefined;
  }

  /** Points every member's `api_url` at `baseUrl`. */
  useApi(baseUrl: string): void {
    for (const node of this.store.snapshot().nodes) {
      if (!node.key.startsWith('members/')) continue;
      const data = JSON.parse(node.value) as Record<string, unknown>;
      this.setJson(node.key, { ...data, api_url: `${baseUrl}/patroni` });
    }
  }

  openDcs = async (_config: unknown, clusterName: string): Promise<Dcs> => {
    const kv = new MemoryKv(this.store, {
      timing: { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 },
    });
    const quiet = () => undefined;
    const dcs = new KvDcs(
      kv,
      { namespace: '/service/', scope: clusterName, name: '' },
      { logger: { debug: quiet, info: quiet, warn: quiet, error: quiet } },
    );
    this.opened.push(dcs);
    return dcs;
  };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly authorization: string | undefined;
}

export type Handler = (request: RecordedRequest) => { status: number; body: string };

/** A member REST API double: records requests and answers with `handler`. */
export async function startApi(
  handler: Handler,
): Promise<{ url: string; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        authorization: req.headers.authorization,
      };
      requests.push(request);
      const answer = handler(request);
      res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Answers prompts from a script; records what was asked. */
export function scriptedPrompter(answers: string[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async prompt(text, options = {}) {
      asked.push(text);
      const answer = answers.shift();
      if (answer === undefined) return null;
      return answer === '' ? (options.default ?? '') : answer;
    },
    async confirm(text) {
      asked.push(text);
      const answer = answers.shift();
      return answer === undefined ? null : answer === 'y';
    },
    close() {},
  };
}

/** Runs patronictl against `cluster` with a fixed clock and no real sleeping. */
export async function ctl(
  cluster: TestCluster,
  argv: string[],
  options: {
    answers?: string[];
    env?: Record<string, string>;
    stdin?: string;
    editor?: (file: string) => number;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<{ code: number; out: string; err: string; asked: string[] }> {
  let out = '';
  let err = '';
  const prompter = scriptedPrompter(options.answers ?? []);
  const code = await runPatronictl(
    ['-d', 'etcd3://127.0.0.1:1', ...argv],
    { write: (s: string) => (out += s) },
    { write: (s: string) => (err += s) },
    {
      env: { HOME: '/nonexistent', ...options.env },
      prompter,
      openDcs: cluster.openDcs,
      now: () => new Date(2026, 10, 26, 10, 0, 0, 123),
      sleep: options.sleep ?? (async () => undefined),
      stdinText: async () => options.stdin ?? '',
      runEditor: async (_command, file) => (options.editor ? options.editor(file) : 1),
    },
  );
  return { code, out, err, asked: prompter.asked };
}
