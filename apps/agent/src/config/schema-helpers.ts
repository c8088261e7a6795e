import { parseBoolish } from '@patroni/ha-core';
import { z } from 'zod';

/**
 * zod building blocks whose messages are Patroni's validator vocabulary (config.md §8), so a problem prints
 * as `<dotted.path> <value> <message>`; a missing required key reads `is not defined.`.
 */
function says(message: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is not defined.' : message) };
}

export const str = () => z.string(says('is not a string'));
export const int = () => z.int(says('is not an integer'));
export const num = () => z.number(says('is not a number'));
export const bool = () => z.boolean(says('is not a boolean'));
export const dict = () => z.record(z.string(), z.unknown(), says('is not a dictionary'));
export const strList = () => z.array(str(), says('is not a list'));
export const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.looseObject(shape, says('is not a dictionary'));

/** A boolean that may arrive as a word (`'true'`, `on`), as tags and env values do. */
export const boolish = () =>
  z.unknown().transform((value, ctx) => {
    const parsed = parseBoolish(value);
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: 'is not a boolean', input: value });
      return z.NEVER;
    }
    return parsed;
  });

/** An integer that may arrive as a decimal string (`'1'`). */
export const intish = () =>
  z.unknown().transform((value, ctx) => {
    const parsed =
      typeof value === 'number' && Number.isInteger(value)
        ? value
        : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())
          ? Number.parseInt(value, 10)
          : null;
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: 'is not an integer', input: value });
      return z.NEVER;
    }
    return parsed;
  });

/** `didn't pass validation: <detail>` for a value outside its range. */
export const intRange = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  int()
    .min(min, { error: `didn't pass validation: must be at least ${min}` })
    .max(max, { error: `didn't pass validation: must be at most ${max}` });

export const oneOf = (values: readonly string[], caseInsensitive = false) =>
  str().refine((value) => values.includes(caseInsensitive ? value.toUpperCase() : value), {
    error: `didn't pass validation: must be one of ${values.join(', ')}`,
  });

/** `host:port` with a numeric port. */
export const hostPort = () =>
  str().refine(
    (value) => /^.+:\d{1,5}$/.test(value) && Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535,
    {
      error: "didn't pass validation: expected host:port",
    },
  );

/** `host[,host...][:port]` (postgresql.listen); `*` must be alone. */
export const listenAddress = () =>
  str().refine(
    (value) => {
      const hosts = value
        .replace(/:\d+$/, '')
        .split(',')
        .map((h) => h.trim());
      return !(hosts.includes('*') && hosts.length > 1);
    },
    { error: "didn't pass validation: expecting '*' alone" },
  );
