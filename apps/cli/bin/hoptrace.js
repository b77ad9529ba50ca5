#!/usr/bin/env node
// The `hoptrace` command. The code is TypeScript, run through tsx's loader so
// that `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';

// hoptrace runs on the Node.js LTS that `npm install` puts in node_modules/.bin
// (decision 0022); npm scripts and npx find it first. Started by another Node,
// it still runs but says so, once, on stderr.
const SUPPORTED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < SUPPORTED_MAJOR) {
  process.stderr.write(
    `hoptrace: running on Node.js ${process.version}; it is built and tested on Node.js ${SUPPORTED_MAJOR} LTS, ` +
      `which npm install puts in node_modules/.bin/node (used by npm start, npm test and npx hoptrace).\n`,
  );
}

register();
const { main, printFailure } = await import('../src/main.ts');
// Node's own report of an uncaught error prints every field of it (a failed query's parameters among them).
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.on(event, (err) => {
    printFailure(err);
    process.exit(1);
  });
process.exitCode = await main(process.argv);
