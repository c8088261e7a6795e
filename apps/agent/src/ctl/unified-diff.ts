type Op = { tag: 'equal' | 'replace' | 'delete' | 'insert'; a1: number; a2: number; b1: number; b2: number };

/** Opcodes from a longest-common-subsequence alignment (configs are small, O(n·m) is fine). */
function opcodes(a: readonly string[], b: readonly string[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  const push = (tag: Op['tag'], a1: number, a2: number, b1: number, b2: number) => {
    const last = ops.at(-1);
    if (last && last.tag === tag) {
      last.a2 = a2;
      last.b2 = b2;
    } else ops.push({ tag, a1, a2, b1, b2 });
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      push('equal', i, i + 1, j, j + 1);
      i++;
      j++;
    } else if (
      j < b.length &&
      (i === a.length || ((lcs[i] as number[])[j + 1] as number) >= ((lcs[i + 1] as number[])[j] as number))
    ) {
      push('insert', i, i, j, j + 1);
      j++;
    } else {
      push('delete', i, i + 1, j, j);
      i++;
    }
  }
  // A delete next to an insert is a replace, as difflib reports it.
  const merged: Op[] = [];
  for (const op of ops) {
    const last = merged.at(-1);
    if (
      last &&
      ((last.tag === 'delete' && op.tag === 'insert') || (last.tag === 'insert' && op.tag === 'delete'))
    ) {
      merged[merged.length - 1] = {
        tag: 'replace',
        a1: Math.min(last.a1, op.a1),
        a2: Math.max(last.a2, op.a2),
        b1: Math.min(last.b1, op.b1),
        b2: Math.max(last.b2, op.b2),
      };
    } else merged.push({ ...op });
  }
  return merged;
}

/** difflib's `get_grouped_opcodes(n)`. */
function grouped(ops: Op[], n: number): Op[][] {
  const codes =
    ops.length > 0 ? ops.map((o) => ({ ...o })) : [{ tag: 'equal' as const, a1: 0, a2: 1, b1: 0, b2: 1 }];
  const first = codes[0] as Op;
  if (first.tag === 'equal') {
    first.a1 = Math.max(first.a1, first.a2 - n);
    first.b1 = Math.max(first.b1, first.b2 - n);
  }
  const last = codes.at(-1) as Op;
  if (last.tag === 'equal') {
    last.a2 = Math.min(last.a2, last.a1 + n);
    last.b2 = Math.min(last.b2, last.b1 + n);
  }
  const groups: Op[][] = [];
  let group: Op[] = [];
  for (const op of codes) {
    if (op.tag === 'equal' && op.a2 - op.a1 > 2 * n) {
      group.push({ ...op, a2: Math.min(op.a2, op.a1 + n), b2: Math.min(op.b2, op.b1 + n) });
      groups.push(group);
      group = [];
      group.push({ ...op, a1: Math.max(op.a1, op.a2 - n), b1: Math.max(op.b1, op.b2 - n) });
    } else group.push(op);
  }
  if (group.length > 0 && !(group.length === 1 && group[0]?.tag === 'equal')) groups.push(group);
  return groups;
}

function range(start: number, stop: number): string {
  let beginning = start + 1;
  const length = stop - start;
  if (length === 1) return String(beginning);
  if (length === 0) beginning -= 1;
  return `${beginning},${length}`;
}

/** Python's `difflib.unified_diff(a, b)` lines without their newlines (empty file names, 3 lines of context). */
export function unifiedDiff(before: string, after: string, context = 3): string[] {
  const split = (text: string) => text.replace(/\n+$/, '').split('\n');
  const a = split(before);
  const b = split(after);
  const out: string[] = [];
  for (const group of grouped(opcodes(a, b), context)) {
    if (out.length === 0) out.push('--- ', '+++ ');
    const head = group[0] as Op;
    const tail = group.at(-1) as Op;
    out.push(`@@ -${range(head.a1, tail.a2)} +${range(head.b1, tail.b2)} @@`);
    for (const op of group) {
      if (op.tag === 'equal') for (const line of a.slice(op.a1, op.a2)) out.push(` ${line}`);
      else {
        if (op.tag === 'replace' || op.tag === 'delete')
          for (const line of a.slice(op.a1, op.a2)) out.push(`-${line}`);
        if (op.tag === 'replace' || op.tag === 'insert')
          for (const line of b.slice(op.b1, op.b2)) out.push(`+${line}`);
      }
    }
  }
  return out;
}
