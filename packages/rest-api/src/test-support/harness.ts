/** Starts the REST API on a free loopback port for a test and stops it afterwards. */
import type { PublishedStatus } from '@patroni/ha-core';
import { parseRestApiConfig } from '../config.js';
import { createRestApi, type RestApiOptions } from '../server.js';
import { FakeCommands, NOW_MS, silentLogger } from './builders.js';

export interface Harness {
  readonly port: number;
  readonly commands: FakeCommands;
  status: PublishedStatus;
  nowMs: number;
  close(): Promise<void>;
}

export async function startApi(
  status: PublishedStatus,
  options: {
    restapi?: Record<string, unknown>;
    commands?: FakeCommands;
    extra?: Partial<Omit<RestApiOptions, 'config' | 'getStatus' | 'commands' | 'clock'>>;
  } = {},
): Promise<Harness> {
  const commands = options.commands ?? new FakeCommands(status.postgres?.query ?? null);
  const harness = {
    port: 0,
    commands,
    status,
    nowMs: NOW_MS,
    close: async () => {},
  };
  const api = createRestApi({
    config: parseRestApiConfig({ listen: '127.0.0.1:0', ...options.restapi }),
    getStatus: () => harness.status,
    commands,
    logger: silentLogger,
    clock: () => harness.nowMs,
    ...options.extra,
  });
  const { port } = await api.listen();
  harness.port = port;
  harness.close = () => api.close();
  return harness;
}
