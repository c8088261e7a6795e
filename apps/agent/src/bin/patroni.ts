#!/usr/bin/env -S node --single-threaded
// --single-threaded: no V8 background threads (concurrent GC, compilers). An agent idles with a ~25 MB heap,
// so their heaps and buffers cost more (~7 MB RSS, measured) than the main-thread pauses they save.
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
// Timers of closed clients must not keep a stopped agent alive.
process.exit();
