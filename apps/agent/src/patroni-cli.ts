import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from './config/agent-config.js';
import { liveProblems } from './config/live-checks.js';
import { type Env, loadConfig, readLocalTree } from './config/load-config.js';
import { minimalSectionSchemas, type SectionSchemas } from './config/section-schemas.js';
import { formatProblem, validateLocalTree } from './config/validate.js';
import { dumpYaml } from './config/yaml-dump.js';
import { refuseRoot } from './root-check.js';
import { agentVersion } from './version.js';

export interface Out {
  write(chunk: string): unknown;
}

/** What `patroni` needs from the outside world; main.ts passes the real ones, tests their own. */
export interface PatroniDeps {
  readonly env: Env;
  /** The effective uid (`process.getuid()`), null where there is none. */
  readonly uid: number | null;
  readonly sections: SectionSchemas;
  /** Asks for a password (`--generate-config` without one); null when there is no input. */
  readonly readPassword: (prompt: string) => Promise<string | null>;
  /** Runs the agent with a validated configuration; resolves to the exit code. Absent until wired. */
  readonly runDaemon?: (
    config: AgentConfig,
    consumedEnv: readonly string[],
    configFile: string | undefined,
  ) => Promise<number>;
}

const PATRONI_USAGE = `usage: patroni [-h] [--validate-config] [--generate-config] [--generate-sample-config] [--dsn DSN]
               [--ignore-listen-port] [--print] [--version]
               [configfile]

Postgres high availability agent (TypeScript implementation, compatible with Patroni)

positional arguments:
  configfile            Patroni may also read the configuration from the PATRONI_CONFIGURATION
                        environment variable or from individual PATRONI_* environment variables

options:
  -h, --help            show this help message and exit
  --validate-config     Run config validator and exit
  --generate-config     Generate a Patroni yaml configuration file for a running instance
  --generate-sample-config
                        Generate a sample Patroni yaml configuration file
  --dsn DSN             Optional DSN string of the instance to be used as a source for config
                        generation. Superuser connection is required.
  -i, --ignore-listen-port
                        Ignore the listen port conflicts when validating the config
  -p, --print           Print the merged configuration after validation
  --version             show program's version number and exit
`;

type Mode = 'run' | 'validate' | 'sample' | 'generate';

interface PatroniArgs {
  mode: Mode;
  help: boolean;
  version: boolean;
  dsn: string | null;
  ignoreListenPort: boolean;
  print: boolean;
  configFile: string | undefined;
}

const MODE_FLAGS: Record<string, Mode> = {
  '--validate-config': 'validate',
  '--generate-sample-config': 'sample',
  '--generate-config': 'generate',
};

/** argparse-like parsing; returns the usage error text on bad input. */
export function parsePatroniArgs(argv: readonly string[]): PatroniArgs | { error: string } {
  const args: PatroniArgs = {
    mode: 'run',
    help: false,
    version: false,
    dsn: null,
    ignoreListenPort: false,
    print: false,
    configFile: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const mode = MODE_FLAGS[arg];
    if (mode !== undefined) {
      if (args.mode !== 'run' && args.mode !== mode)
        return { error: `argument ${arg}: not allowed with another mode argument` };
      args.mode = mode;
    } else if (arg === '-h' || arg === '--help') args.help = true;
    else if (arg === '--version') args.version = true;
    else if (arg === '-i' || arg === '--ignore-listen-port') args.ignoreListenPort = true;
    else if (arg === '-p' || arg === '--print') args.print = true;
    else if (arg === '--dsn' || arg.startsWith('--dsn=')) {
      const value = arg === '--dsn' ? argv[++i] : arg.slice('--dsn='.length);
      if (value === undefined) return { error: 'argument --dsn: expected one argument' };
      args.dsn = value;
    } else if (arg.startsWith('-') && arg !== '-') return { error: `unrecognized arguments: ${arg}` };
    else if (args.configFile === undefined) args.configFile = arg;
    else return { error: `unrecognized arguments: ${arg}` };
  }
  return args;
}

async function validateConfig(args: PatroniArgs, out: Out, err: Out, deps: PatroniDeps): Promise<number> {
  const local = readLocalTree(args.configFile, deps.env);
  if (!local.ok) {
    for (const problem of local.problems) err.write(`${problem}\n`);
    return 1;
  }
  const problems = [
    ...validateLocalTree(local.tree, deps.sections),
    ...(await liveProblems(local.tree, {
      ignoreListenPort: args.ignoreListenPort,
      pathEnv: deps.env.PATH ?? '',
    })),
  ];
  if (problems.length > 0) {
    for (const problem of problems) err.write(`${formatProblem(problem)}\n`);
    return 1;
  }
  if (args.print) out.write(dumpYaml(local.tree));
  return 0;
}

/** `--generate-sample-config` / `--generate-config`: the text to the file (parents created) or stdout. */
async function generateConfig(args: PatroniArgs, out: Out, err: Out, deps: PatroniDeps): Promise<number> {
  // Loaded here only: the daemon never needs them (nor node-postgres, which --generate-config uses).
  const { GenerateConfigError, generateRunningConfig } = await import('./config/running-config.js');
  try {
    const text =
      args.mode === 'sample'
        ? await (await import('./config/sample-config.js')).generateSampleConfig(deps.env)
        : await generateRunningConfig(args.dsn, { env: deps.env, readPassword: deps.readPassword });
    if (args.configFile === undefined) out.write(text);
    else {
      mkdirSync(dirname(args.configFile), { recursive: true });
      writeFileSync(args.configFile, text);
    }
    return 0;
  } catch (error) {
    if (error instanceof GenerateConfigError) err.write(`${error.message}\n`);
    else err.write(`Unexpected exception: ${(error as Error).message}\n`);
    return 1;
  }
}

/** One line from stdin, the prompt on stderr (the terminal echo is not hidden). */
async function readPasswordLine(prompt: string): Promise<string | null> {
  process.stderr.write(prompt);
  // node:readline only here: the daemon never reads stdin.
  const { createInterface } = await import('node:readline');
  return new Promise((resolve) => {
    const reader = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    reader.once('line', (line) => {
      answered = true;
      reader.close();
      resolve(line);
    });
    reader.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

async function runAgent(args: PatroniArgs, err: Out, deps: PatroniDeps): Promise<number> {
  const refusal = refuseRoot(deps.uid);
  if (refusal !== null) {
    err.write(`${refusal}\n`);
    return 1;
  }
  const loaded = loadConfig({ path: args.configFile, env: deps.env, sections: deps.sections });
  if (!loaded.ok) {
    for (const problem of loaded.problems) err.write(`${problem}\n`);
    return 1;
  }
  if (deps.runDaemon === undefined) {
    err.write('patroni: error: the daemon is not wired up yet in this version\n');
    return 2;
  }
  return deps.runDaemon(loaded.config, loaded.consumedEnv, args.configFile);
}

/** The `patroni` command line. Returns the process exit code. */
export async function runPatroni(
  argv: readonly string[],
  out: Out,
  err: Out,
  deps: Partial<PatroniDeps> = {},
): Promise<number> {
  const resolved: PatroniDeps = {
    env: deps.env ?? process.env,
    uid: deps.uid !== undefined ? deps.uid : (process.getuid?.() ?? null),
    sections: deps.sections ?? minimalSectionSchemas,
    readPassword: deps.readPassword ?? readPasswordLine,
    ...(deps.runDaemon ? { runDaemon: deps.runDaemon } : {}),
  };
  const args = parsePatroniArgs(argv);
  if ('error' in args) {
    err.write(PATRONI_USAGE.split('\n\n')[0] ?? '');
    err.write(`\npatroni: error: ${args.error}\n`);
    return 2;
  }
  if (args.help) {
    out.write(PATRONI_USAGE);
    return 0;
  }
  if (args.version) {
    out.write(`patroni ${agentVersion()}\n`);
    return 0;
  }
  switch (args.mode) {
    case 'validate':
      return validateConfig(args, out, err, resolved);
    case 'sample':
    case 'generate':
      return generateConfig(args, out, err, resolved);
    default:
      return runAgent(args, err, resolved);
  }
}
