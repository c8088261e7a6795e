/**
 * YAML read as Patroni reads it (PyYAML's `safe_load`): YAML 1.1, so `on`/`off`/`yes`/`no` are booleans and
 * `0640` is octal — but, unlike the YAML 1.1 spec, PyYAML keeps `y`/`n`/`Y`/`N` as strings (a password `y`
 * must stay the text `y`).
 */
import { parse, type ScalarTag } from 'yaml';

const BOOL_TAG = 'tag:yaml.org,2002:bool';

function pyBool(value: boolean, pattern: RegExp): ScalarTag {
  return {
    tag: BOOL_TAG,
    default: true,
    test: pattern,
    resolve: () => value,
  };
}

const PY_TRUE = pyBool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/);
const PY_FALSE = pyBool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/);

/** Parses `text` like PyYAML's safe_load; throws the yaml library's error on bad syntax. */
export function parsePyYaml(text: string): unknown {
  return parse(text, {
    version: '1.1',
    customTags: (tags) => [
      PY_TRUE,
      PY_FALSE,
      ...tags.filter((t) => typeof t === 'string' || t.tag !== BOOL_TAG),
    ],
  });
}
