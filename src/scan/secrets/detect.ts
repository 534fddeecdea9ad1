import type { AutomatonTables } from "./aho-corasick.js";
import { findEach, KeywordAutomaton } from "./aho-corasick.js";
import type { Confidence, HitCheck, Syntax } from "./contextual/index.js";
import { confidenceRank, hitChecks, syntaxOf } from "./contextual/index.js";
import {
  dropCovered,
  maskBelowConfidence,
  runContextual,
} from "./contextual-run.js";
import { pathAllowed } from "./allow.js";
import type { DetectOptions, DetectResult, Fragment } from "./detect-types.js";
import { fileChecks } from "./checks.js";
import { ruleHitChecks } from "./hit-checks.js";
import type { Plan } from "./plan.js";
import { HitLists, isWordAscii, plan } from "./plan.js";
import type { CompiledRule, RuleSet } from "./rule.js";
import type { Run } from "./rule-search.js";
import {
  allowedByRule,
  placeAllowed,
  runAnchored,
  runWindows,
} from "./rule-search.js";
import type { RequiredRules } from "./required.js";
import { applyRequired } from "./required.js";
import { isRtf, placeInSource, rtfView } from "./rtf.js";
import { FragmentText } from "./windows.js";

export type {
  DetectOptions,
  DetectResult,
  Fragment,
  RuleTimeout,
  SecretMatch,
} from "./detect-types.js";

/** Fragments up to this size may be searched keyword by keyword (see `smallScans`). */
const smallFragment = 64 * 1024;

/** Bytes a small scan searches keyword by keyword before it builds the automaton. */
const smallScanBytes = 32 * 1024;

/**
 * Runs a compiled rule set over fragments: one Aho–Corasick pass per fragment for all keywords,
 * then each rule's regex only at or around its keyword hits (or over the whole fragment for the
 * few rules without keywords), then entropy, inline `sluice:allow` / `gitleaks:allow`, and the
 * global and rule allowlists, in gitleaks' order.
 */
export class Detector {
  readonly ruleSet: RuleSet;
  private automaton: KeywordAutomaton | undefined;
  private readonly builtAutomaton: AutomatonTables | undefined;
  private readonly keywords: string[];
  private readonly keywordLengths: Int32Array;
  /** Bytes still to be searched keyword by keyword before the automaton is built. */
  private smallBudget: number;
  /** keyword index → indexes of rules that listed it. */
  private readonly keywordRules: number[][];
  private readonly keywordless: number[];
  /** Built on a rule's first hit: most rules never run on a given scan. */
  private readonly plans: (Plan | undefined)[];
  private readonly anchor: boolean;
  private readonly hits: HitLists;
  /** Rules that flag files by path alone. */
  private readonly pathOnly: CompiledRule[];
  /** 1 for rules whose regex opens with `\b` and starts at the keyword, 0 if not, -1 unknown. */
  private readonly boundary: Int8Array;
  /** Composite rules (gitleaks `required`) and what running their components needs. */
  private readonly required: RequiredRules;
  private readonly minConfidence: number;
  /**
   * Byte-level checks of hits, by rule index: contextual rules' (contextual/prefilter.ts) and
   * regex rules' that name one (hit-checks.ts).
   */
  private readonly hitChecks: (HitCheck | undefined)[] = [];

  /**
   * `anchor: false` searches every rule in windows around its hits, as if no rule were anchored
   * at its keywords (for tests: both ways must find the same matches). `smallScans` defers
   * building the keyword automaton while fragments are small (a pre-commit scan), unless
   * `expectedBytes` (the content the scan listed) says the automaton will be needed anyway.
   */
  constructor(
    ruleSet: RuleSet,
    options: {
      anchor?: boolean;
      smallScans?: boolean;
      expectedBytes?: number;
      /** The keyword automaton another thread built for the same rules. */
      automaton?: AutomatonTables;
      /** Contextual findings below this are dropped before they are placed. */
      minConfidence?: Confidence;
    } = {},
  ) {
    this.minConfidence = confidenceRank(options.minConfidence ?? "low");
    this.ruleSet = ruleSet;
    this.required = {
      ruleSet,
      composites: [],
      indexOf: new Map(),
      componentRegexes: new Map(),
    };
    const keywords: string[] = [];
    const indexOf = new Map<string, number>();
    this.keywordRules = [];
    this.keywordless = [];
    this.anchor = options.anchor ?? true;
    this.plans = ruleSet.rules.map(() => undefined);
    this.hits = new HitLists(ruleSet.rules.length);
    // skipReport rules never run on their own: only as another rule's component.
    this.pathOnly = ruleSet.rules.filter(
      (rule) =>
        rule.spec.path !== undefined &&
        rule.spec.regex === undefined &&
        rule.spec.contextual === undefined &&
        !rule.spec.skipReport,
    );
    this.boundary = new Int8Array(ruleSet.rules.length).fill(-1);
    ruleSet.rules.forEach((rule, r) => {
      this.required.indexOf.set(rule.id, r);
      // gitleaks: a path-only rule reports by name before its requirements are looked at.
      if (
        rule.spec.required?.length &&
        rule.spec.regex !== undefined &&
        !rule.spec.skipReport
      )
        this.required.composites.push(r);
      const contextual = rule.spec.contextual !== undefined;
      if (
        (rule.spec.regex === undefined && !contextual) ||
        rule.spec.skipReport
      )
        return;
      // A contextual detector reads its own context: a hit inside a word still counts.
      if (contextual) {
        this.boundary[r] = 0;
        this.hitChecks[r] = hitChecks[rule.spec.contextual!];
      } else if (rule.spec.hitCheck)
        this.hitChecks[r] = ruleHitChecks[rule.spec.hitCheck];
      if (rule.keywords.length === 0) {
        this.keywordless.push(r);
        return;
      }
      for (const k of rule.keywords) {
        let i = indexOf.get(k);
        if (i === undefined) {
          i = keywords.length;
          keywords.push(k);
          indexOf.set(k, i);
          this.keywordRules.push([]);
        }
        this.keywordRules[i]!.push(r);
      }
    });
    this.keywords = keywords;
    this.keywordLengths = Int32Array.from(keywords, (k) =>
      Buffer.byteLength(k, "utf8"),
    );
    // Small scans look keywords up one by one until they have read `smallBudget` bytes; the
    // automaton (about 12 ms to build) is for everything else. One `indexOf` per keyword costs
    // about half a millisecond per KB of text (435 keywords), so the budget is about what the
    // automaton costs to build: it was 1 MiB, 0.6 CPU-s on a tree's first small files (ADR 053).
    const ascii = keywords.every(
      (k) => Buffer.byteLength(k, "utf8") === k.length,
    );
    this.smallBudget =
      options.smallScans &&
      ascii &&
      !((options.expectedBytes ?? 0) > smallScanBytes)
        ? smallScanBytes
        : 0;
    this.builtAutomaton = options.automaton;
    if (this.smallBudget === 0)
      this.automaton = new KeywordAutomaton(keywords, options.automaton);
  }

  /** The keyword automaton's tables (built now if they were not), for the scan's workers. */
  automatonTables(): AutomatonTables {
    this.automaton ??= new KeywordAutomaton(this.keywords, this.builtAutomaton);
    return this.automaton.tables();
  }

  /** Path allowed by a global allowlist (the whole fragment is skipped). */
  pathAllowed(path: string): boolean {
    return pathAllowed(this.ruleSet.allowlists, path);
  }

  /**
   * Findings in a fragment. An RTF document is searched in the text it shows (`rtf.ts`), its
   * findings placed back on the source's lines and columns.
   */
  detect(fragment: Fragment, options: DetectOptions = {}): DetectResult {
    const result: DetectResult = { matches: [], timeouts: [], regexRuns: 0 };
    this.pathMatches(fragment, options, result);
    if (options.pathOnly) return result;
    if (fragment.contentUnknown || !isRtf(fragment.data)) {
      this.contentMatches(fragment, options, result);
      return result;
    }
    const view = rtfView(fragment.data);
    const { lineMap, ...rest } = fragment;
    const found: DetectResult = { matches: [], timeouts: [], regexRuns: 0 };
    this.contentMatches({ ...rest, data: view.data }, options, found);
    placeInSource(found.matches, view, fragment.data, lineMap);
    if (found.allowed)
      placeInSource(found.allowed, view, fragment.data, lineMap);
    result.matches.push(...found.matches);
    result.timeouts.push(...found.timeouts);
    result.regexRuns += found.regexRuns;
    if (found.allowed) result.allowed = found.allowed;
    return result;
  }

  /** Path-only rules flag a file by its name, whatever its content. */
  private pathMatches(
    fragment: Fragment,
    options: DetectOptions,
    result: DetectResult,
  ): void {
    const path = fragment.path;
    for (const rule of this.pathOnly) {
      if (!rule.path!.test(path) || options.exclude?.has(rule.id)) continue;
      const fileCheck = rule.spec.check && fileChecks[rule.spec.check];
      if (
        fileCheck &&
        !fragment.contentUnknown &&
        fileCheck(fragment.data) !== true
      )
        continue;
      if (allowedByRule(rule, path, fragment.commit, "", "", "")) continue;
      result.matches.push({
        ruleId: rule.id,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        secret: path,
        entropy: 0,
      });
    }
  }

  private contentMatches(
    fragment: Fragment,
    options: DetectOptions,
    result: DetectResult,
  ): void {
    const path = fragment.path;
    const data = Buffer.isBuffer(fragment.data)
      ? fragment.data
      : Buffer.from(
          fragment.data.buffer,
          fragment.data.byteOffset,
          fragment.data.length,
        );
    let content: FragmentText | undefined;
    const text = (): FragmentText => (content ??= new FragmentText(data));
    this.collectHits(data, text);
    const rules = this.ruleSet.rules;
    // The rules that run here: a rule cut off by the scan's budget or gated by another path
    // does not, and a fragment no rule runs on is never decoded (the keywordless rules are
    // gated by file name: most files have no keyword hit and are then read, searched, done).
    const order = this.hits.touched
      .concat(this.keywordless)
      .filter((r) => {
        const rule = rules[r]!;
        return (
          !options.exclude?.has(rule.id) &&
          (rule.spec.path === undefined || rule.path!.test(path))
        );
      })
      .sort((a, b) => a - b);
    if (order.length === 0) return;

    const run: Run = {
      ruleSet: this.ruleSet,
      fragment,
      data,
      content: text(),
      result,
      now: options.now ?? performance.now.bind(performance),
      budget: options.ruleBudgetMs ?? Number.POSITIVE_INFINITY,
      started: 0,
      timedOut: false,
    };
    if (this.required.composites.length > 0) run.anchors = new Map();
    let syntax: Syntax | undefined;
    for (const r of order) {
      const rule = rules[r]!;
      if (options.currentRule) options.currentRule[0] = r;
      run.started = run.now();
      run.timedOut = false;
      if (rule.spec.contextual !== undefined) {
        const n = this.hits.counts[r]!;
        runContextual(
          rule,
          n > 0 ? Array.from(this.hits.starts[r]!.subarray(0, n)) : [],
          run,
          (syntax ??= syntaxOf(path)),
          this.minConfidence,
        );
      } else {
        const p = this.planOf(r);
        if (p.mode === "anchored") runAnchored(this.hits, r, p, run);
        else runWindows(this.hits, r, p, run);
      }
      if (run.timedOut)
        result.timeouts.push({
          ruleId: rule.id,
          elapsedMs: run.now() - run.started,
        });
    }
    if (run.anchors) applyRequired(this.required, run, options);
    if (options.currentRule) options.currentRule[0] = -1;
    result.matches = dropCovered(result.matches);
    placeAllowed(run);
    maskBelowConfidence(run);
  }

  /**
   * Keyword hits, grouped by rule. A hit inside a word cannot start a match of a rule that opens
   * with `\b` (most token rules), which drops most hits of short keywords like `s.`.
   */
  private collectHits(data: Buffer, content: () => FragmentText): void {
    const hits = this.hits;
    hits.reset();
    let n: number;
    let hitKeywords: Int32Array;
    let hitEnds: Int32Array;
    let lengths: Int32Array;
    if (
      !this.automaton &&
      this.smallBudget >= data.length &&
      data.length <= smallFragment
    ) {
      // A small scan (a pre-commit diff) on this thread: one indexOf per keyword costs less
      // than building the automaton. Keywords are ASCII here, so Latin-1 lower-casing keeps
      // byte offsets.
      this.smallBudget -= data.length;
      const lower = content().text.toLowerCase();
      const found = findEach(this.keywords, lower);
      n = found.count;
      hitKeywords = found.keywords;
      hitEnds = found.ends;
      lengths = this.keywordLengths;
    } else {
      const automaton = (this.automaton ??= new KeywordAutomaton(
        this.keywords,
        this.builtAutomaton,
      ));
      n = automaton.scanInto(data);
      hitKeywords = automaton.hitKeywords;
      hitEnds = automaton.hitEnds;
      lengths = automaton.keywordLengths;
    }
    const boundary = this.boundary;
    for (let h = 0; h < n; h++) {
      const k = hitKeywords[h]!;
      const end = hitEnds[h]!;
      const start = end - lengths[k]!;
      const inWord =
        start > 0 && isWordAscii(data[start - 1]!) && isWordAscii(data[start]!);
      const rules = this.keywordRules[k]!;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i]!;
        if (inWord) {
          const b = boundary[r]!;
          if (b === 1 || (b < 0 && this.planOf(r).boundary)) continue;
        }
        const check = this.hitChecks[r];
        if (check && !check(data, start, end)) continue;
        hits.push(r, start, end);
      }
    }
  }

  /** The plan of a rule with a regex, built on first use. */
  private planOf(r: number): Plan {
    let p = this.plans[r];
    if (!p) {
      p = plan(this.ruleSet.rules[r]!, this.anchor);
      this.plans[r] = p;
      this.boundary[r] = p.boundary ? 1 : 0;
    }
    return p;
  }
}

export { pathAllowed } from "./allow.js";
