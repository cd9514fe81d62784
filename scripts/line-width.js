#!/usr/bin/env node
// Fails when a tracked source line is wider than 120 characters. Biome's lineWidth wraps code but
// never comments or strings, so this counts them too; characters are code points, not bytes
// (Hangul and em dashes take three bytes each).
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

const LIMIT = 120;
const ROOTS = ['src', 'tests', 'bench', 'bin', 'scripts'];
const CHECKED = /\.(ts|js|mjs|cjs|sh)$|^bin\//;

const files = execFileSync('git', ['ls-files', '--', ...ROOTS], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && CHECKED.test(f));
let over = 0;
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const width = [...line].length;
    // A shebang cannot be wrapped: the kernel reads it as one line.
    if (width > LIMIT && !(i === 0 && line.startsWith('#!'))) {
      over++;
      console.log(`${file}:${i + 1}: ${width} characters (limit ${LIMIT})`);
    }
  });
}
if (over > 0) {
  console.log(`${over} line(s) over ${LIMIT} characters; rewrap them by hand.`);
  process.exit(1);
}
