#!/usr/bin/env -S node --single-threaded --no-opt --no-maglev --no-sparkplug
// --single-threaded: no V8 background threads (concurrent GC, compilers): their heaps and buffers cost an
// agent with a ~10 MB heap more (~7 MB RSS, measured) than the main-thread pauses they save.
// --no-opt --no-maglev --no-sparkplug: interpreter only. An agent runs a few milliseconds of JavaScript per
// loop_wait; compiled code and its feedback cost ~7 MB RSS (measured) and no measurable idle CPU.
import './node20-navigator.js';
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
// Timers of closed clients must not keep a stopped agent alive.
process.exit();
