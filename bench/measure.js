#!/usr/bin/env node
'use strict';
// Runs the compiled CLI as bin/earlypay does (run.ts passes the node flags of its shebang) and, at exit, reports the process's own
// peak resident set size (getrusage ru_maxrss) on file descriptor 3, for bench/run.ts.
const { writeSync } = require('node:fs');
require('../dist/cli.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
process.on('exit', (code) => {
  try {
    writeSync(3, `${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, exitCode: code })}\n`);
  } catch {
    // fd 3 not open: run by hand
  }
});
