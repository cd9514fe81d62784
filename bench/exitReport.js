'use strict';
// At exit, reports on file descriptor 3 the process's peak resident set size and CPU time, for
// bench/run.ts (runProcess reads it): bench/measure.js (the CLI) and bench/reference.js require it.
// The peak is VmHWM of /proc/self/status, which belongs to this program's own address space;
// getrusage's ru_maxrss is not used because Linux carries it across exec, so it would report
// the benchmark harness's peak instead.
const { readFileSync, writeSync } = require('node:fs');

process.on('exit', (code) => {
  let maxRssKb;
  try {
    maxRssKb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    maxRssKb = undefined;
  }
  const usage = process.resourceUsage();
  try {
    const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
    writeSync(3, `${JSON.stringify({ maxRssKb, cpuMs, exitCode: code })}\n`);
  } catch {
    // fd 3 not open: run by hand
  }
});
