#!/usr/bin/env node
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
// Timers of closed clients must not keep a stopped agent alive.
process.exit();
