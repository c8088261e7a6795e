#!/usr/bin/env -S node --single-threaded
// --single-threaded: no V8 background threads (concurrent GC, compilers): their heaps and buffers cost an
// agent with a ~10 MB heap more (~7 MB RSS, measured) than the main-thread pauses they save.
// The optimizing compilers stay on: without them an idle agent needs ~6 MB less RSS (measured), but the REST
// API answers 14k (--no-opt) or 10k (interpreter only) req/s instead of 48k under load balancer checks.
import './node20-navigator.js';
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
// Timers of closed clients must not keep a stopped agent alive.
process.exit();
