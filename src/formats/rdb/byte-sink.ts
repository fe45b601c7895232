/** A growing byte buffer that encoders append to. */
export class ByteSink {
  buffer = Buffer.allocUnsafe(256);
  length = 0;

  /** Room for `more` bytes; returns where they start. */
  reserve(more: number): number {
    const at = this.length;
    if (at + more > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, at + more));
      this.buffer.copy(grown, 0, 0, at);
      this.buffer = grown;
    }
    this.length += more;
    return at;
  }

  byte(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  bytes(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.buffer.set(data, at);
  }

  /** A latin1 string's bytes (one per character). */
  latin1(text: string): void {
    const at = this.reserve(text.length);
    this.buffer.write(text, at, 'latin1');
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}
