/** A writable stream that keeps what was written: the one every test captures stdout and stderr with. */
export class Capture {
  text = '';
  /** `columns` is what a terminal reports as its width (charts read it); unset like a pipe's. */
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}
