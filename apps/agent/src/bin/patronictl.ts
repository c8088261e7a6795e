#!/usr/bin/env node
import './node20-navigator.js';
import { runPatronictl } from '../patronictl-cli.js';

process.exitCode = await runPatronictl(process.argv.slice(2), process.stdout, process.stderr);
