import type { LogSettings } from '../config/agent-config.js';
import { asctime, formatPercent, type LogRecordFields, templateFields } from './python-format.js';

/** One log event before formatting. */
export interface LogEvent {
  readonly time: Date;
  readonly levelName: string;
  readonly levelNo: number;
  readonly loggerName: string;
  readonly message: string;
  /** Stack trace text to append (already filtered by traceback_level). */
  readonly traceback: string | null;
}

type FormatSettings = Pick<LogSettings, 'type' | 'format' | 'dateFormat' | 'staticFields'>;

function recordFields(event: LogEvent, dateFormat: string | null): LogRecordFields {
  const created = event.time.getTime() / 1000;
  const module = event.loggerName.split('.').at(-1) ?? event.loggerName;
  return {
    asctime: asctime(event.time, dateFormat),
    levelname: event.levelName,
    levelno: event.levelNo,
    message: event.message,
    name: event.loggerName,
    module,
    funcName: '',
    filename: `${module}.js`,
    pathname: `${module}.js`,
    lineno: 0,
    process: process.pid,
    processName: 'MainProcess',
    thread: process.pid,
    threadName: 'MainThread',
    created,
    msecs: event.time.getMilliseconds(),
    relativeCreated: Math.round(process.uptime() * 1000),
  };
}

/** The json fields: from a `%(x)s` template's names, or a list of names / `{name: renamed}` maps. */
function jsonFields(format: LogSettings['format']): Array<[string, string]> {
  if (typeof format === 'string') return templateFields(format).map((name) => [name, name]);
  return format.flatMap((item) =>
    typeof item === 'string' ? [[item, item] as [string, string]] : Object.entries(item),
  );
}

/** Patroni's default plain layout, written without the general template engine (a line every cycle). */
const PATRONI_FORMAT = '%(asctime)s %(levelname)s: %(message)s';

/** One output line (with its newline) in Patroni's plain or json layout. */
export function formatLine(event: LogEvent, settings: FormatSettings): string {
  if (settings.type === 'json') {
    const fields = recordFields(event, settings.dateFormat) as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, renamed] of jsonFields(settings.format)) out[renamed] = fields[name] ?? null;
    Object.assign(out, settings.staticFields);
    if (event.traceback !== null) out.exc_info = event.traceback;
    return `${JSON.stringify(out)}\n`;
  }
  const template = typeof settings.format === 'string' ? settings.format : PATRONI_FORMAT;
  const line =
    template === PATRONI_FORMAT
      ? `${asctime(event.time, settings.dateFormat)} ${event.levelName}: ${event.message}`
      : formatPercent(
          template,
          recordFields(event, settings.dateFormat) as unknown as Record<string, unknown>,
        );
  return event.traceback === null ? `${line}\n` : `${line}\n${event.traceback}\n`;
}
