import { serializeHistory } from '../model/serialize.js';
import type { HistoryLine, MemberName } from '../model/types.js';
import type { TimelineSwitch } from '../ports/postgres.js';
import type { Ctx } from './context.js';
import { perform, type Step } from './effects.js';

/** What `historyLines` needs: the primary's history file, what `/history` holds now, who I am. */
export interface HistoryInput {
  readonly timeline: number;
  readonly entries: readonly TimelineSwitch[];
  readonly stored: readonly HistoryLine[];
  readonly me: MemberName;
  /** `max_timelines_history`; ≤ 0 keeps everything. */
  readonly maxTimelinesHistory: number;
}

/**
 * The `/history` lines for a primary on `timeline` (dcs.md §3.8): the history file's lines; the newest
 * (parent = timeline − 1) with `promoted_at` and my name; 5-element lines already stored for the same
 * (tl, lsn) are carried over; trimmed to the last `max_timelines_history`. Pure.
 */
export function historyLines(input: HistoryInput): HistoryLine[] {
  const previous = new Map(input.stored.filter((l) => l.length === 5).map((l) => [`${l[0]}/${l[1]}`, l]));
  const lines: HistoryLine[] = input.entries.map((entry) => {
    const known = previous.get(`${entry.parentTimeline}/${entry.switchLsn}`);
    if (known) return known;
    if (entry.parentTimeline === input.timeline - 1 && entry.fileModifiedAt) {
      return [entry.parentTimeline, entry.switchLsn, entry.reason, entry.fileModifiedAt, input.me];
    }
    return [entry.parentTimeline, entry.switchLsn, entry.reason];
  });
  return input.maxTimelinesHistory > 0 ? lines.slice(-input.maxTimelinesHistory) : lines;
}

/** The primary keeps `/history` in step with its timeline: `[]` on timeline 1, else `historyLines`. */
export function* updateHistory(ctx: Ctx): Step<void> {
  const timeline = ctx.pg.timeline;
  const stored = ctx.cluster.history;
  if (!timeline) return;
  if (timeline === 1) {
    if (stored && stored.lines.length > 0) yield* perform({ kind: 'dcs.set-history', value: '[]' });
    return;
  }
  const last = stored?.lines[stored.lines.length - 1];
  if (last && last[0] === timeline - 1 && last.length === 5) return;
  const entries = ctx.pg.obs.timelineHistory;
  if (!entries || entries.length === 0) return;
  const lines = historyLines({
    timeline,
    entries,
    stored: stored?.lines ?? [],
    me: ctx.me,
    maxTimelinesHistory: ctx.config.maxTimelinesHistory,
  });
  yield* perform({ kind: 'dcs.set-history', value: serializeHistory(lines) });
}
