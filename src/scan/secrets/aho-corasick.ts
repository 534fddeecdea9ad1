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

/** Flag added to accepting states in the scan table (states × alphabet stay below it). */
const accept = 1 << 30;

/**
 * A built automaton's tables, for another thread (a scan worker) to use without building them
 * again: the build runs once per thread before the JIT has compiled it (20–40 ms a worker
 * with the contextual detectors' keywords). Plain data: structured clone copies it.
 */
export interface AutomatonTables {
  keywords: readonly string[];
  table: Int32Array;
  classOf: Uint8Array;
  classes: number;
  outputs: number[][];
  longest: number;
  keywordLengths: Int32Array;
}

const sameKeywords = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((k, i) => k === b[i]);

export class KeywordAutomaton {
  readonly keywords: readonly string[];
  private readonly table: Int32Array;
  /** Byte → symbol class: bytes in no keyword share class 0, keeping the table cache-sized. */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  /** For each state, the keywords that end there (own and via dictionary suffix links). */
  private readonly outputs: number[][];
  private readonly longest: number;
  /** Byte length of each keyword. */
  readonly keywordLengths: Int32Array;
  /** (accepting state, end) pairs recorded by the walk. */
  private events: Int32Array = new Int32Array(2048);
  /** Results of {@link scanInto}, reused between calls. */
  hitKeywords: Int32Array = new Int32Array(1024);
  hitEnds: Int32Array = new Int32Array(1024);

  /** `built`: another thread's tables for the same keywords (else they are built here). */
  constructor(keywords: readonly string[], built?: AutomatonTables) {
    this.keywords = keywords;
    if (built && sameKeywords(built.keywords, keywords)) {
      this.table = built.table;
      this.classOf = built.classOf;
      this.classes = built.classes;
      this.outputs = built.outputs;
      this.longest = built.longest;
      this.keywordLengths = built.keywordLengths;
      this.warmUp();
      return;
    }
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
    this.longest = Math.max(1, ...encoded.map((b) => b.length));
    // Build the trie in a dense table (-1: no edge yet), sized for the most states the keywords
    // can make; the breadth-first pass below turns it into the DFA in place. Array slots, not a
    // Map per state: this runs once per thread, before the JIT has compiled anything.
    const most = 1 + encoded.reduce((n, b) => n + b.length, 0);
    const delta = new Int32Array(most * alphabet).fill(-1);
    const out: number[][] = [[]];
    let states = 1;
    encoded.forEach((bytes, index) => {
      let s = 0;
      for (const byte of bytes) {
        const edge = s * alphabet + classOf[byte]!;
        let next = delta[edge]!;
        if (next < 0) {
          next = states++;
          out.push([]);
          delta[edge] = next;
        }
        s = next;
      }
      if (bytes.length > 0) out[s]!.push(index);
    });
    const fail = new Int32Array(states);
    // Breadth-first: failure links, and each missing edge taken from the failure state's row
    // (already complete: it is shallower).
    const queue: number[] = [];
    for (let b = 0; b < alphabet; b++) {
      const next = delta[b]!;
      if (next >= 0) queue.push(next);
      else delta[b] = 0;
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const f = fail[s]!;
      const fo = out[f]!;
      if (fo.length > 0) out[s] = out[s]!.concat(fo);
      for (let b = 0; b < alphabet; b++) {
        const next = delta[s * alphabet + b]!;
        if (next >= 0) {
          fail[next] = delta[f * alphabet + b]!;
          queue.push(next);
        } else {
          delta[s * alphabet + b] = delta[f * alphabet + b]!;
        }
      }
    }
    // The scan table: next state pre-multiplied by the width, plus `accept` when accepting.
    if (states * alphabet >= accept) throw new Error("too many keywords");
    const table = new Int32Array(states * alphabet);
    for (let i = 0; i < table.length; i++) {
      const t = delta[i]!;
      table[i] = t * alphabet + (out[t]!.length > 0 ? accept : 0);
    }
    this.table = table;
    this.outputs = out;
    this.warmUp();
  }

  /** Its tables, for another thread's automaton (see {@link AutomatonTables}). */
  tables(): AutomatonTables {
    return {
      keywords: this.keywords,
      table: this.table,
      classOf: this.classOf,
      classes: this.classes,
      outputs: this.outputs,
      longest: this.longest,
      keywordLengths: this.keywordLengths,
    };
  }

  /** Makes room for at least 8 more events (4 accepting states with their end offsets). */
  private growEvents(used: number): Int32Array {
    if (used + 8 <= this.events.length) return this.events;
    const grown = new Int32Array(this.events.length * 2);
    grown.set(this.events);
    this.events = grown;
    return grown;
  }

  /**
   * Finds every keyword occurrence in `data` (overlapping ones included) and returns how many;
   * occurrence `i` is keyword `hitKeywords[i]` ending (exclusive) at byte `hitEnds[i]`, in no
   * particular order. The arrays are reused by the next call.
   *
   * A DFA walk is one dependent table load per byte; four independent walks over the four
   * quarters of the data keep the CPU busy while each waits for its load (about 2× faster).
   * Quarter `q` starts `longest - 1` bytes early from the start state, which recovers the exact
   * state at its boundary, and keeps only hits ending past the boundary. The walk records only
   * (accepting state, end) events; keywords are listed from them afterwards.
   */
  scanInto(data: Uint8Array): number {
    const table = this.table;
    const classOf = this.classOf;
    const len = data.length;
    let ev = this.events;
    let e = 0;
    const lead = this.longest - 1;
    if (len < 4096 || len >> 2 <= lead) {
      let s = 0;
      for (let i = 0; i < len; i++) {
        s = table[s + classOf[data[i]!]!]!;
        if (s >= accept) {
          s -= accept;
          ev[e] = s;
          ev[e + 1] = i + 1;
          e += 2;
          if (e + 8 > ev.length) ev = this.growEvents(e);
        }
      }
      return this.expand(e);
    }
    const q = len >> 2;
    const b1 = q;
    const b2 = 2 * q;
    const b3 = 3 * q;
    const o1 = b1 - lead;
    const o2 = b2 - lead;
    const o3 = b3 - lead;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < q; i++) {
      s0 = table[s0 + classOf[data[i]!]!]!;
      s1 = table[s1 + classOf[data[o1 + i]!]!]!;
      s2 = table[s2 + classOf[data[o2 + i]!]!]!;
      s3 = table[s3 + classOf[data[o3 + i]!]!]!;
      if ((s0 | s1 | s2 | s3) >= accept) {
        if (s0 >= accept) {
          s0 -= accept;
          ev[e] = s0;
          ev[e + 1] = i + 1;
          e += 2;
        }
        if (s1 >= accept) {
          s1 -= accept;
          if (o1 + i >= b1) {
            ev[e] = s1;
            ev[e + 1] = o1 + i + 1;
            e += 2;
          }
        }
        if (s2 >= accept) {
          s2 -= accept;
          if (o2 + i >= b2) {
            ev[e] = s2;
            ev[e + 1] = o2 + i + 1;
            e += 2;
          }
        }
        if (s3 >= accept) {
          s3 -= accept;
          if (o3 + i >= b3) {
            ev[e] = s3;
            ev[e + 1] = o3 + i + 1;
            e += 2;
          }
        }
        if (e + 8 > ev.length) ev = this.growEvents(e);
      }
    }
    // The ends of quarters 1-3 (their first `lead` bytes were a warm-up).
    const tails = [
      [s1, o1 + q, b2, b1],
      [s2, o2 + q, b3, b2],
      [s3, o3 + q, len, b3],
    ] as const;
    for (const [state, from, to, keep] of tails) {
      let s = state;
      for (let i = from; i < to; i++) {
        s = table[s + classOf[data[i]!]!]!;
        if (s >= accept) {
          s -= accept;
          if (i >= keep) {
            ev[e] = s;
            ev[e + 1] = i + 1;
            e += 2;
            if (e + 8 > ev.length) ev = this.growEvents(e);
          }
        }
      }
    }
    return this.expand(e);
  }

  /** Lists the keywords of `used / 2` recorded (state, end) events into the hit arrays. */
  private expand(used: number): number {
    const ev = this.events;
    const width = this.classes;
    let n = 0;
    for (let x = 0; x < used; x += 2) {
      const out = this.outputs[ev[x]! / width]!;
      const end = ev[x + 1]!;
      if (n + out.length > this.hitKeywords.length) {
        const size = Math.max(this.hitKeywords.length * 2, n + out.length);
        const k = new Int32Array(size);
        k.set(this.hitKeywords);
        const en = new Int32Array(size);
        en.set(this.hitEnds);
        this.hitKeywords = k;
        this.hitEnds = en;
      }
      for (let o = 0; o < out.length; o++) {
        this.hitKeywords[n] = out[o]!;
        this.hitEnds[n] = end;
        n++;
      }
    }
    return n;
  }

  /**
   * Runs every path of {@link scanInto} once on a small synthetic text (keywords in each
   * quarter, a short text), so the JIT optimizes it once with complete type feedback instead of
   * deoptimizing and recompiling the first time a quarter meets a keyword.
   */
  private warmUp(): void {
    if (this.keywords.length === 0) return;
    const words = this.keywords.join(" ");
    const text = Buffer.from(
      `${words} `.repeat(Math.ceil(8192 / (words.length + 1))),
      "utf8",
    );
    this.scanInto(text);
    this.scanInto(text.subarray(0, 1024));
  }

  /** Every keyword occurrence in `data` (overlapping ones included). */
  scan(data: Uint8Array): KeywordHit[] {
    const n = this.scanInto(data);
    const hits: KeywordHit[] = [];
    for (let i = 0; i < n; i++) {
      const k = this.hitKeywords[i]!;
      hits.push({
        keyword: k,
        start: this.hitEnds[i]! - this.keywordLengths[k]!,
      });
    }
    return hits;
  }
}

/**
 * Every occurrence of each (lower-case ASCII) keyword in `lower`: keyword index and end. The
 * automaton's alternative for a few KB (a pre-commit diff): one `indexOf` per keyword.
 */
export function findEach(
  keywords: readonly string[],
  lower: string,
): { count: number; keywords: Int32Array; ends: Int32Array } {
  const kw: number[] = [];
  const ends: number[] = [];
  keywords.forEach((k, i) => {
    if (k.length === 0) return;
    for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1)) {
      kw.push(i);
      ends.push(at + k.length);
    }
  });
  return {
    count: kw.length,
    keywords: Int32Array.from(kw),
    ends: Int32Array.from(ends),
  };
}
