/** Types for the one cli-table3 helper the table renderer uses (the package types only its Table). */
declare module 'cli-table3/src/utils' {
  /** Display width of a cell: colour codes ignored, wide (Hangul, CJK) characters count 2, widest line of several. */
  export function strlen(str: string): number;
}
