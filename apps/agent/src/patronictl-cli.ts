import { spawn } from 'node:child_process';
import { type Dcs, isDcsUnavailable } from '@patroni/ha-core';
import { commandHelp, parseCommand, UsageError, usagePrefix } from './ctl/args.js';
import { COMMANDS } from './ctl/commands/index.js';
import type { CtlContext, Out } from './ctl/context.js';
import { type CtlConfig, loadCtlConfig } from './ctl/ctl-config.js';
import { linePrompter, type Prompter } from './ctl/prompt.js';
import { httpRestClient, type RestClient } from './ctl/rest-client.js';
import { createDcs, type ModuleImporter } from './dcs-loader.js';
import { ctlError, isAgentError } from './errors.js';
import { agentVersion } from './version.js';

/** What patronictl needs from the outside world; the defaults are the real ones. */
export interface PatronictlDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly prompter: Prompter;
  readonly openDcs: (config: CtlConfig, clusterName: string) => Promise<Dcs>;
  readonly restClient: (config: CtlConfig) => RestClient;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly runEditor: (command: string, file: string) => Promise<number>;
  readonly stdinText: () => Promise<string>;
  readonly importer?: ModuleImporter;
}

const USAGE_HEAD = 'Usage: patronictl [OPTIONS] COMMAND [ARGS]...\n';

function groupHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  const commands = COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.help}`).join('\n');
  return `${USAGE_HEAD}
  Command-line interface for interacting with a Patroni cluster.

Options:
  -c, --config-file TEXT  Configuration file
  -d, --dcs-url TEXT      The DCS connect url
  -k, --insecure          Allow connections to SSL sites without certs
  --help                  Show this message and exit.

Commands:
${commands}
`;
}

interface GlobalArgs {
  configFile: string | undefined;
  dcsUrl: string | undefined;
  insecure: boolean;
  help: boolean;
  version: boolean;
  rest: string[];
}

function parseGlobal(argv: readonly string[], env: PatronictlDeps['env']): GlobalArgs {
  const args: GlobalArgs = {
    configFile: env.PATRONICTL_CONFIG_FILE || undefined,
    dcsUrl: env.DCS_URL || undefined,
    insecure: false,
    help: false,
    version: false,
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`Option '${name}' requires an argument.`, '');
      return v;
    };
    if (name === '-c' || name === '--config-file') args.configFile = value();
    else if (name === '-d' || name === '--dcs-url' || name === '--dcs') args.dcsUrl = value();
    else if (name === '-k' || name === '--insecure') args.insecure = true;
    else if (name === '--help' || name === '-h') args.help = true;
    else if (name === '--version') args.version = true;
    else if (name.startsWith('-')) throw new UsageError(`No such option: ${name}`, '');
    else {
      args.rest = argv.slice(i);
      break;
    }
  }
  return args;
}

function realDeps(out: Out): PatronictlDeps {
  return {
    env: process.env,
    prompter: linePrompter(process.stdin, out),
    openDcs: (config, clusterName) => openDcs(config, clusterName),
    restClient: (config) => httpRestClient(config.ctl),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    runEditor: (command, file) =>
      new Promise((resolve) => {
        const child = spawn(command, [file], { stdio: 'inherit', shell: false });
        child.on('exit', (code) => resolve(code ?? 1));
        child.on('error', () => resolve(127));
      }),
    stdinText: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** Opens the configured DCS in ctl mode through its package (patronictl.md §1.3). */
export async function openDcs(
  config: CtlConfig,
  clusterName: string,
  importer?: ModuleImporter,
): Promise<Dcs> {
  if (config.dcs === null)
    throw ctlError('Can not find suitable configuration of distributed configuration store');
  const quiet = () => undefined;
  const warn = (message: string) => process.stderr.write(`${message}\n`);
  return createDcs(
    config.dcs.kind,
    config.dcs.section,
    {
      scope: { namespace: config.namespace, scope: clusterName, name: '' },
      timing: { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 },
      logger: { debug: quiet, info: quiet, warn, error: warn },
      forCtl: true,
    },
    importer,
  );
}

function reportError(error: unknown, out: Out, err: Out): number {
  if (error instanceof UsageError) {
    const spec = COMMANDS.find((c) => c.spec.name === error.command)?.spec;
    err.write(spec ? usagePrefix(spec) : `${USAGE_HEAD}Try 'patronictl --help' for help.\n\n`);
    err.write(`Error: ${error.message}\n`);
    return 2;
  }
  if (isAgentError(error)) {
    err.write(error.code === 'AGENT_CTL_ABORTED' ? '\nAborted!\n' : `Error: ${error.message}\n`);
    return 1;
  }
  void out;
  if (isDcsUnavailable(error)) {
    err.write(`Error: ${error.message}\n`);
    return 1;
  }
  err.write(`Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

/** The `patronictl` command line. Returns the process exit code. */
export async function runPatronictl(
  argv: readonly string[],
  out: Out,
  err: Out,
  overrides: Partial<PatronictlDeps> = {},
): Promise<number> {
  const deps: PatronictlDeps = { ...realDeps(out), ...overrides };
  try {
    const global = parseGlobal(argv, deps.env);
    if (global.version) {
      out.write(`patronictl version ${agentVersion()}\n`);
      return 0;
    }
    const [name, ...rest] = global.rest;
    if (global.help || name === undefined) {
      out.write(groupHelp());
      return 0;
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) throw new UsageError(`No such command '${name}'.`, '');
    const parsed = parseCommand(command.spec, rest);
    if (parsed.help) {
      out.write(commandHelp(command.spec));
      return 0;
    }
    const config = loadCtlConfig({
      path: global.configFile,
      dcsUrl: global.dcsUrl,
      env: deps.env,
      insecure: global.insecure,
    });
    const ctx: CtlContext = {
      config,
      out,
      err,
      prompter: deps.prompter,
      rest: deps.restClient(config),
      openDcs: (clusterName) =>
        overrides.openDcs
          ? overrides.openDcs(config, clusterName)
          : openDcs(config, clusterName, deps.importer),
      env: deps.env,
      now: deps.now,
      sleep: deps.sleep,
      runEditor: deps.runEditor,
      stdinText: deps.stdinText,
    };
    return await command.run(ctx, parsed);
  } catch (error) {
    return reportError(error, out, err);
  } finally {
    deps.prompter.close();
  }
}
