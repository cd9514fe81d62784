/**
 * Files other programs read while earlypay replaces them (the node exporter's textfiles, the
 * report in a web folder or a mail spool): written whole or not at all.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A temporary file beside `path` (a dot name: neither the collector's `*.prom` nor a page),
 * written to the end and flushed, then renamed over it: a reader never sees a half-written file,
 * and a full disk or a file-size limit leaves the previous one in place and throws.
 */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      // writeFileSync goes on after a short write (writeSync returns it as a count, silently)
      // and throws on the failed write that follows.
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* it was never made */
    }
    throw err;
  }
}
