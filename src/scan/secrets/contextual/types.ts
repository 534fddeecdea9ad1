/** Contextual detectors: values found by the name they are assigned to or the file they sit in. */

/** How sure a detector is that a value is a live secret. `--confidence` keeps this level and above. */
export type Confidence = "low" | "medium" | "high";

const confidences: readonly Confidence[] = ["low", "medium", "high"];

export const confidenceRank = (c: Confidence): number => confidences.indexOf(c);

/** The file syntax a detector read a value in (printed in the report's "why" line). */
export type Syntax =
  | "dotenv"
  | "shell"
  | "ini"
  | "properties"
  | "yaml"
  | "toml"
  | "json"
  | "xml"
  | "php"
  | "python"
  | "javascript"
  | "java"
  | "go"
  | "ruby"
  | "c"
  | "csharp"
  | "powershell"
  | "sql"
  | "markdown"
  | "text";

/** What a detector reads: the file's path, its content (Latin-1: one byte, one character). */
export interface ContextInput {
  path: string;
  /** Lower-cased file name (last path segment). */
  name: string;
  text: string;
  syntax: Syntax;
  /** Byte offsets of the rule's keyword hits (empty for a rule gated by path only). */
  hits: readonly number[];
}

/** A value a contextual detector found, by byte offsets into the content. */
export interface ContextHit {
  start: number;
  end: number;
  confidence: Confidence;
  /** The name the value is assigned to (`DB_PASSWORD`), when there is one. */
  key?: string;
  /** Where a multi-line value ends, when not at `end` (a PEM block ends at its END line). */
  endOffset?: number;
  /** The secret, when it is not the text from `start` to `end` (a PEM block's key material). */
  secret?: string;
}

export type ContextualDetector = (input: ContextInput) => ContextHit[];
