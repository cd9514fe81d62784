/**
 * Node's own Buffer slicers: what `buf.toString(encoding, start, end)` calls after dispatching on
 * the encoding name (and what mysql2 calls directly). Stable in every Node the project supports
 * (package.json engines); declared here because @types/node does not.
 */
declare global {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
  }
}
export {};
