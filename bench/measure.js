#!/usr/bin/env node
'use strict';
// Runs the compiled CLI as bin/earlypay does (run.ts passes the node flags and environment of
// its shebang) and, at exit, reports its peak RSS and CPU time on fd 3 (bench/exitReport.js).
require('./exitReport');
require('../dist/cli.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
