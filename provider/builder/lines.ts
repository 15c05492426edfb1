import { StringDecoder } from "node:string_decoder";

const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines (\n, \r\n or a lone \r), decoding UTF-8 across chunk boundaries. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    const parts = this.pending.split(/\r\n|\n|\r/);
    this.pending = parts.pop() ?? "";
    for (const line of parts) this.onLine(line);
    if (this.pending.length > MAX_LINE) {
      this.onLine(this.pending);
      this.pending = "";
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending) this.onLine(this.pending);
    this.pending = "";
  }
}

/** Keeps the last `size` lines. */
export class TailBuffer {
  private readonly lines: string[] = [];

  constructor(private readonly size: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}
