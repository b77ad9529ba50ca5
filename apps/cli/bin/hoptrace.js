#!/usr/bin/env node
// The `hoptrace` command. The code is TypeScript, run through tsx's loader so
// that `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
