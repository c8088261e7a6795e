#!/usr/bin/env node
import { runPatroni } from '../patroni-cli.js';

process.exitCode = await runPatroni(process.argv.slice(2), process.stdout, process.stderr);
