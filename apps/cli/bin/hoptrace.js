#!/usr/bin/env node
// The `hoptrace` command. The code is TypeScript, run through tsx's loader so
// that `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main, printFailure } = await import('../src/main.ts');
// Node's own report of an uncaught error prints every field of it (a failed query's parameters among them).
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.on(event, (err) => {
    printFailure(err);
    process.exit(1);
  });
process.exitCode = await main(process.argv);
