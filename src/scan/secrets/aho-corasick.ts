/**
 * Aho–Corasick keyword automaton over bytes, ASCII case-folded: one pass over a file finds every
 * rule keyword. The automaton is a full DFA (failure links folded into a dense transition table),
 * so the scan loop is one table lookup per byte and runs on the raw Buffer, before any UTF-8
 * decoding: a file without keyword hits is never decoded.
 */

/** A keyword occurrence: keyword index and the byte offset where it starts. */
export interface KeywordHit {
  keyword: number;
  start: number;
}

export class KeywordAutomaton {
  readonly keywords: readonly string[];
  private readonly delta: Int32Array;
  /** Byte → symbol class: bytes in no keyword share class 0, keeping the table cache-sized. */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  /** For each state, the keywords that end there (own and via dictionary suffix links). */
  private readonly outputs: number[][];
  /** 1 where `outputs` is non-empty: the hot loop reads one byte per state. */
  private readonly accepting: Uint8Array;
  private readonly keywordLengths: Int32Array;

  constructor(keywords: readonly string[]) {
    this.keywords = keywords;
    const encoded = keywords.map((k) => Buffer.from(k.toLowerCase(), "utf8"));
    const classOf = new Uint8Array(256);
    let classes = 1;
    for (const bytes of encoded)
      for (const b of bytes) {
        if (classOf[b] === 0) classOf[b] = classes++;
      }
    // Fold upper-case ASCII onto lower case: keywords are stored lower-cased.
    for (let b = 65; b <= 90; b++)
      if (classOf[b + 32] !== 0) classOf[b] = classOf[b + 32]!;
    const alphabet = classes;
    this.classOf = classOf;
    this.classes = classes;
    this.keywordLengths = Int32Array.from(encoded.map((b) => b.length));
    // Build the trie.
    const children: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    encoded.forEach((bytes, index) => {
      let s = 0;
      for (const byte of bytes) {
        const b = classOf[byte]!;
        let next = children[s]!.get(b);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          out.push([]);
          children[s]!.set(b, next);
        }
        s = next;
      }
      if (bytes.length > 0) out[s]!.push(index);
    });
    const states = children.length;
    const delta = new Int32Array(states * alphabet);
    const fail = new Int32Array(states);
    // Breadth-first: failure links and the dense table.
    const queue: number[] = [];
    for (let b = 0; b < alphabet; b++) {
      const next = children[0]!.get(b);
      delta[b] = next ?? 0;
      if (next !== undefined) queue.push(next);
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const f = fail[s]!;
      const fo = out[f]!;
      if (fo.length > 0) out[s] = out[s]!.concat(fo);
      for (let b = 0; b < alphabet; b++) {
        const next = children[s]!.get(b);
        if (next !== undefined) {
          fail[next] = delta[f * alphabet + b]!;
          delta[s * alphabet + b] = next;
          queue.push(next);
        } else {
          delta[s * alphabet + b] = delta[f * alphabet + b]!;
        }
      }
    }
    this.delta = delta;
    this.outputs = out;
    this.accepting = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  }

  /** Every keyword occurrence in `data` (overlapping ones included). */
  scan(data: Uint8Array): KeywordHit[] {
    const hits: KeywordHit[] = [];
    const delta = this.delta;
    const accepting = this.accepting;
    const classOf = this.classOf;
    const width = this.classes;
    let s = 0;
    for (let i = 0, n = data.length; i < n; i++) {
      s = delta[s * width + classOf[data[i]!]!]!;
      if (accepting[s] === 1) {
        for (const k of this.outputs[s]!)
          hits.push({ keyword: k, start: i + 1 - this.keywordLengths[k]! });
      }
    }
    return hits;
  }
}
