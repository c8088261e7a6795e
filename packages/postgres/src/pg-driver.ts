import type pg from 'pg';

let driver: Promise<typeof pg> | null = null;

/**
 * A node-postgres client, the driver loaded on first use: an agent whose queries all go over the heartbeat
 * connection (a replica in steady state) never loads it, ~1.5 MiB less RSS.
 */
export async function newPgClient(config: pg.ClientConfig): Promise<pg.Client> {
  driver ??= import('pg').then(
    (module) => module.default,
    (error: unknown) => {
      driver = null;
      throw error;
    },
  );
  return new (await driver).Client(config);
}
