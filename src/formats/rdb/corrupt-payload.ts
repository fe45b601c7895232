/** What every RDB decoder throws on bytes it cannot read: RESTORE answers Redis's `Bad data format`. */
export class CorruptPayload extends Error {}

/** Throws CorruptPayload with `why` unless `condition` holds. */
export function expectValid(condition: boolean, why: string): asserts condition {
  if (!condition) throw new CorruptPayload(why);
}

/** Bytes that end before what they hold does: in an RDB file being received, more may follow. */
export class TruncatedPayload extends CorruptPayload {
  constructor() {
    super('payload ends early');
  }
}
