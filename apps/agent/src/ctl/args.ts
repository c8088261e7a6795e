import { AgentError, AgentErrorCode } from '../errors.js';

export interface OptionSpec {
  /** `-f`, `--format` ... */
  readonly names: readonly string[];
  readonly dest: string;
  readonly kind: 'flag' | 'value' | 'multi';
  readonly choices?: readonly string[];
  readonly type?: 'int' | 'float';
  readonly metavar?: string;
  readonly help?: string;
  readonly default?: unknown;
}

export interface ArgSpec {
  readonly name: string;
  readonly variadic?: boolean;
  readonly required?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly help: string;
  readonly options: readonly OptionSpec[];
  readonly args: readonly ArgSpec[];
}

export interface ParsedCommand {
  readonly options: Readonly<Record<string, unknown>>;
  readonly args: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly help: boolean;
}

/** A click-style usage error (exit code 2) carrying the command it belongs to. */
export class UsageError extends AgentError {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(AgentErrorCode.CtlUsage, message);
  }
}

function usageLine(spec: CommandSpec): string {
  const args = spec.args.map((a) => {
    const name = a.name.toUpperCase();
    if (a.variadic) return `[${name}]...`;
    return a.required ? name : `[${name}]`;
  });
  return `patronictl ${spec.name} [OPTIONS]${args.length > 0 ? ` ${args.join(' ')}` : ''}`;
}

/** `--help` text of a sub-command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, '', `  ${spec.help}`, '', 'Options:'];
  const rows = spec.options.map((o) => {
    const value =
      o.kind === 'flag'
        ? ''
        : ` ${o.choices ? `[${o.choices.join('|')}]` : (o.metavar ?? (o.type === 'int' ? 'INTEGER' : o.type === 'float' ? 'FLOAT' : 'TEXT'))}`;
    return [`${o.names.join(', ')}${value}`, o.help ?? ''] as const;
  });
  rows.push(['--help', 'Show this message and exit.']);
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The text click prints before a usage error message. */
export function usagePrefix(spec: CommandSpec): string {
  return `Usage: ${usageLine(spec)}\nTry 'patronictl ${spec.name} --help' for help.\n\n`;
}

function convert(option: OptionSpec, name: string, raw: string, command: string): unknown {
  if (option.choices && !option.choices.includes(raw)) {
    const list = option.choices.map((c) => `'${c}'`);
    const choices = list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list.join('');
    throw new UsageError(
      `Invalid value for '${option.names.join("' / '")}': '${raw}' is not one of ${choices}.`,
      command,
    );
  }
  if (option.type === 'int') {
    if (!/^[+-]?\d+$/.test(raw.trim()))
      throw new UsageError(`Invalid value for '${name}': '${raw}' is not a valid integer.`, command);
    return Number.parseInt(raw, 10);
  }
  if (option.type === 'float') {
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value))
      throw new UsageError(`Invalid value for '${name}': '${raw}' is not a valid float.`, command);
    return value;
  }
  return raw;
}

function assignPositionals(
  spec: CommandSpec,
  values: readonly string[],
): Record<string, string | readonly string[] | undefined> {
  const args: Record<string, string | readonly string[] | undefined> = {};
  const specs = [...spec.args];
  const variadicAt = specs.findIndex((a) => a.variadic);
  const before = variadicAt === -1 ? specs : specs.slice(0, variadicAt);
  const after = variadicAt === -1 ? [] : specs.slice(variadicAt + 1);
  const rest = [...values];
  for (const a of before) args[a.name] = rest.shift();
  const tail: string[] = [];
  for (let i = after.length - 1; i >= 0; i--) {
    const value = rest.pop();
    if (value !== undefined) tail.unshift(value);
  }
  after.forEach((a, i) => {
    args[a.name] = tail[i];
  });
  const variadic = specs[variadicAt];
  if (variadic) args[variadic.name] = rest.splice(0);
  if (rest.length > 0) {
    throw new UsageError(
      `Got unexpected extra argument${rest.length > 1 ? 's' : ''} (${rest.join(' ')})`,
      spec.name,
    );
  }
  for (const a of specs) {
    if (a.required && args[a.name] === undefined)
      throw new UsageError(`Missing argument '${a.name.toUpperCase()}'.`, spec.name);
  }
  return args;
}

/** Parses a sub-command's arguments the way click does (options anywhere, `--opt=value`, `--` ends options). */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, unknown> = {};
  for (const o of spec.options)
    options[o.dest] = o.kind === 'multi' ? [] : (o.default ?? (o.kind === 'flag' ? false : undefined));
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? (arg.startsWith('--') ? arg : arg.slice(0, 2)) : arg.slice(0, eq);
    const option = spec.options.find((o) => o.names.includes(name));
    if (!option) throw new UsageError(`No such option: ${name}`, spec.name);
    if (option.kind === 'flag') {
      if (!arg.startsWith('--') && arg.length > 2)
        throw new UsageError(`No such option: -${arg[2]}`, spec.name);
      options[option.dest] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else if (!arg.startsWith('--') && arg.length > 2) raw = arg.slice(2);
    else raw = argv[++i];
    if (raw === undefined) throw new UsageError(`Option '${name}' requires an argument.`, spec.name);
    const value = convert(option, name, raw, spec.name);
    if (option.kind === 'multi') (options[option.dest] as unknown[]).push(value);
    else options[option.dest] = value;
  }
  if (help) return { options, args: {}, help };
  return { options, args: assignPositionals(spec, positionals), help };
}
