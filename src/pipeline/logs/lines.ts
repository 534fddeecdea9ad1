/**
 * Splits streamed text into lines. A line longer than `maxLine` is cut into pieces, so a step
 * printing one endless line (no newline in 1 GB) never grows memory past that.
 */
export class LineSplitter {
  private partial = "";

  constructor(private readonly maxLine = 64 * 1024) {}

  /** Complete lines in this chunk (without their newline). */
  push(text: string): string[] {
    const lines: string[] = [];
    let from = 0;
    for (;;) {
      const nl = text.indexOf("\n", from);
      if (nl === -1) break;
      let line = stripCr(this.partial + text.slice(from, nl));
      while (line.length > this.maxLine) {
        lines.push(line.slice(0, this.maxLine));
        line = line.slice(this.maxLine);
      }
      lines.push(line);
      this.partial = "";
      from = nl + 1;
    }
    this.partial += text.slice(from);
    while (this.partial.length >= this.maxLine) {
      lines.push(this.partial.slice(0, this.maxLine));
      this.partial = this.partial.slice(this.maxLine);
    }
    return lines;
  }

  /** The last line if it had no newline. */
  flush(): string[] {
    const rest = this.partial;
    this.partial = "";
    return rest.length > 0 ? [stripCr(rest)] : [];
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
