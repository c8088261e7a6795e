import { parseBoolish, type Shape, s, type TypeMessage } from '@patroni/ha-core';

/**
 * Schema building blocks whose messages are Patroni's validator vocabulary (config.md §8), so a problem
 * prints as `<dotted.path> <value> <message>`; a missing required key reads `is not defined.`.
 */
function says(message: string): TypeMessage {
  return (input) => (input === undefined ? 'is not defined.' : message);
}

export const str = () => s.string(says('is not a string'));
export const int = () => s.int(says('is not an integer'));
export const num = () => s.number(says('is not a number'));
export const bool = () => s.boolean(says('is not a boolean'));
export const dict = () => s.record(s.string(), s.unknown(), says('is not a dictionary'));
export const strList = () => s.array(str(), says('is not a list'));
export const section = <T extends Shape>(shape: T) => s.looseObject(shape, says('is not a dictionary'));

/** A boolean that may arrive as a word (`'true'`, `on`), as tags and env values do. */
export const boolish = () =>
  s.unknown().transform((value, ctx) => parseBoolish(value) ?? ctx.invalid('is not a boolean'));

/** An integer that may arrive as a decimal string (`'1'`). */
export const intish = () =>
  s.unknown().transform((value, ctx) => {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
    return ctx.invalid('is not an integer');
  });

/** `didn't pass validation: <detail>` for a value outside its range. */
export const intRange = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  int()
    .min(min, `didn't pass validation: must be at least ${min}`)
    .max(max, `didn't pass validation: must be at most ${max}`);

export const oneOf = (values: readonly string[], caseInsensitive = false) =>
  str().refine(
    (value) => values.includes(caseInsensitive ? value.toUpperCase() : value),
    `didn't pass validation: must be one of ${values.join(', ')}`,
  );

/** `host:port` with a numeric port. */
export const hostPort = () =>
  str().refine(
    (value) => /^.+:\d{1,5}$/.test(value) && Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535,
    "didn't pass validation: expected host:port",
  );

/** `host[,host...][:port]` (postgresql.listen); `*` must be alone. */
export const listenAddress = () =>
  str().refine((value) => {
    const hosts = value
      .replace(/:\d+$/, '')
      .split(',')
      .map((h) => h.trim());
    return !(hosts.includes('*') && hosts.length > 1);
  }, "didn't pass validation: expecting '*' alone");
