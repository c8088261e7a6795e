import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, spawnManaged, waitUntil } from './process.js';
import { makeTempDir } from './temp-dir.js';

export interface ZooKeeperServer {
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  readonly port: number;
  readonly process: ManagedProcess;
  pause(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const CLASSPATH = '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';

/** Sends a four-letter-word command and returns the reply. */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    // A JVM still starting may accept the connection and never answer: give up so the caller polls again.
    socket.setTimeout(2_000, () => socket.destroy(new Error(`no answer to ${word} within 2 s`)));
    socket.on('connect', () => socket.write(word));
  });
}

/** Starts a standalone ZooKeeper 3.8 (Debian's zookeeper) on a free loopback port in a temp dir. */
export async function startZooKeeper(): Promise<ZooKeeperServer> {
  const dir = await makeTempDir('zk');
  const port = await freePort();
  const cfg = join(dir.path, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      `dataDir=${join(dir.path, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'tickTime=500',
      'minSessionTimeout=1000',
      'maxSessionTimeout=60000',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr',
      '',
    ].join('\n'),
  );
  const launch = async () => {
    const proc = spawnManaged(
      'java',
      ['-Xmx256m', '-cp', CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg],
      { logFile: join(dir.path, 'zk.log') },
    );
    await waitUntil(
      `ZooKeeper on ${port}`,
      async () => (await fourLetterWord(port, 'ruok')) === 'imok',
      30_000,
    );
    return proc;
  };
  let proc = await launch();
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    get process() {
      return proc;
    },
    async pause() {
      await proc.stop();
    },
    async restart() {
      if (proc.isRunning()) await proc.stop();
      proc = await launch();
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
