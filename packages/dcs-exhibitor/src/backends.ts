import { assertSupported, createZooKeeperKv, zooKeeperDcs } from '@patroni/dcs-zookeeper';
import type { Dcs, DcsBackends, DcsFactoryContext } from '@patroni/ha-core';
import { type ExhibitorConfig, parseExhibitorConfig } from './config.js';
import { ExhibitorKv } from './exhibitor-kv.js';
import { ExhibitorPoller } from './exhibitor-poller.js';

/** Patroni retries the first poll every 5 s until an Exhibitor answers. */
export const STARTUP_RETRY_MS = 5_000;

export interface ExhibitorStartOptions {
  /** Delay between startup polls (default 5 s). */
  readonly startupRetryMs?: number;
  readonly signal?: AbortSignal;
}

/** The Exhibitor key-value layer; blocks until Exhibitor told us the ensemble (as Patroni does at startup). */
export async function createExhibitorKv(
  config: ExhibitorConfig,
  context: DcsFactoryContext,
  options: ExhibitorStartOptions = {},
): Promise<ExhibitorKv> {
  const poller = new ExhibitorPoller({ hosts: config.hosts, port: config.port, logger: context.logger });
  while (!(await poller.poll())) {
    context.logger.info('waiting on exhibitor');
    await sleep(options.startupRetryMs ?? STARTUP_RETRY_MS, options.signal);
  }
  const zookeeper = createZooKeeperKv({ ...config.zookeeper, hosts: poller.hosts() }, context);
  return new ExhibitorKv({
    zookeeper,
    poller,
    pollIntervalMs: config.pollIntervalMs,
    logger: context.logger,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

async function createExhibitorDcs(section: unknown, context: DcsFactoryContext): Promise<Dcs> {
  const config = parseExhibitorConfig(section);
  assertSupported({ ...config.zookeeper, hosts: [] }, 'exhibitor');
  return zooKeeperDcs(await createExhibitorKv(config, context), context);
}

/** The config section this package serves: `exhibitor:`. */
export const backends: DcsBackends = Object.freeze({ exhibitor: createExhibitorDcs });
