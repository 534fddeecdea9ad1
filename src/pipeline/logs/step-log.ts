import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { LogSinkFactory, StepLog, StepLogOutcome } from "../ports.js";
import { LineSplitter } from "./lines.js";
import { MaskingStream } from "./masker.js";
import type { Masker } from "./masker.js";

/** Which step a log line belongs to. */
export interface StepRef {
  runId: string;
  jobKey: string;
  position: number;
  name: string;
}

/**
 * A credential nobody declared that a step printed and the log masked: which rule, where in the
 * step's log file (1-based line), and a keyed hash of it when the finder gives one; never the value.
 */
export interface LogFinding {
  ruleId: string;
  line: number;
  stream: "stdout" | "stderr";
  hash?: string | undefined;
}

/** Where a step log reports the undeclared credentials it masked (the run's findings). */
export interface LogFindingSink {
  record(
    step: StepRef & { logPath: string },
    findings: LogFinding[],
  ): Promise<void>;
}

/** Findings one step log reports at most: past this, a credential printed in a loop is counted. */
const maxLogFindings = 100;

/** The live terminal side of the logs (prefixed lines on a TTY, a compact view otherwise). */
export interface LiveView {
  stepStarted(step: StepRef): void;
  /** One masked line; `sluice` for the engine's own notes. */
  line(
    step: StepRef,
    stream: "stdout" | "stderr" | "sluice",
    text: string,
  ): void;
  stepFinished(
    step: StepRef,
    outcome: StepLogOutcome & { logPath: string },
  ): void;
}

export interface LogSinkOptions {
  /** `$SLUICE_HOME`: logs go to `<home>/runs/<runId>/<jobKey>/<position>.log`. */
  home: string;
  masker: Masker;
  live?: LiveView | undefined;
  /** Told, as a step log closes, of the undeclared credentials it masked. */
  findings?: LogFindingSink | undefined;
  /** Bytes of one step's output shown live before the terminal view stops (the file gets all). */
  terminalCapBytes?: number | undefined;
}

/** A job key made safe as a directory name (matrix keys hold spaces, colons, maybe slashes). */
export function jobDirName(jobKey: string): string {
  return jobKey.replace(/[^A-Za-z0-9 ._(),:=+-]/g, (c) =>
    [...Buffer.from(c, "utf8")]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
      .join(""),
  );
}

/** Path of a step's log file. */
export function stepLogPath(
  home: string,
  runId: string,
  jobKey: string,
  position: number,
): string {
  return join(home, "runs", runId, jobDirName(jobKey), `${position}.log`);
}

/**
 * Step logs on files: each stream goes through a UTF-8 decoder (invalid bytes become U+FFFD),
 * the streaming masker, then to the file (appended as it comes, never buffered whole) and, split
 * into lines, to the live view.
 */
export function createLogSinkFactory(options: LogSinkOptions): LogSinkFactory {
  const cap = options.terminalCapBytes ?? 4 * 1024 * 1024;
  return {
    open(step) {
      const path = stepLogPath(
        options.home,
        step.runId,
        step.jobKey,
        step.position,
      );
      // A step log may hold what the masker did not know: private to the user, whatever the umask.
      mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
      const fd = openSync(path, "a", 0o600);
      const live = options.live;
      live?.stepStarted(step);
      let shown = 0;
      let capped = false;
      const streams = {
        stdout: pipeline(options.masker),
        stderr: pipeline(options.masker),
      };
      const toLive = (stream: "stdout" | "stderr", lines: string[]) => {
        if (!live || capped) return;
        for (const line of lines) {
          shown += Buffer.byteLength(line) + 1;
          if (shown > cap) {
            capped = true;
            live.line(
              step,
              "sluice",
              `output continues in ${path} (terminal view capped at ${cap} bytes)`,
            );
            return;
          }
          live.line(step, stream, line);
        }
      };
      let atLineStart = true;
      // Newlines written so far: a text written now starts on line `newlines + 1` of the file.
      let newlines = 0;
      const found: LogFinding[] = [];
      let notRecorded = 0;
      const toFile = (text: string) => {
        if (text.length === 0) return;
        writeSync(fd, text);
        atLineStart = text.endsWith("\n");
        newlines += countNewlines(text, text.length);
      };
      const report = (stream: "stdout" | "stderr", masked: string) => {
        for (const credential of streams[stream].mask.maskedCredentials) {
          if (found.length >= maxLogFindings) {
            notRecorded++;
            continue;
          }
          found.push({
            ruleId: credential.ruleId,
            line: newlines + 1 + countNewlines(masked, credential.at),
            stream,
            hash: credential.hash,
          });
        }
      };
      const emit = (stream: "stdout" | "stderr", masked: string) => {
        if (masked.length === 0) return;
        report(stream, masked);
        toFile(masked);
        toLive(stream, streams[stream].lines.push(masked));
      };
      let closed = false;
      const log: StepLog = {
        path,
        write(stream, chunk) {
          if (closed) return;
          const s = streams[stream];
          const text =
            typeof chunk === "string"
              ? chunk
              : s.decoder.decode(chunk, { stream: true });
          emit(stream, s.mask.push(text));
        },
        note(text) {
          if (closed) return;
          // What the masker holds back belongs before the note; a value cannot span a note anyway.
          for (const stream of ["stdout", "stderr"] as const) {
            emit(stream, streams[stream].mask.flush());
          }
          const masked = options.masker.mask(text);
          toFile(`${atLineStart ? "" : "\n"}[sluice] ${masked}\n`);
          live?.line(step, "sluice", masked);
        },
        async close(outcome: StepLogOutcome) {
          if (closed) return;
          closed = true;
          for (const stream of ["stdout", "stderr"] as const) {
            const s = streams[stream];
            const tail = s.mask.push(s.decoder.decode());
            report(stream, tail);
            toFile(tail);
            const rest = s.mask.flush();
            report(stream, rest);
            toFile(rest);
            toLive(stream, [...s.lines.push(tail + rest), ...s.lines.flush()]);
          }
          if (notRecorded > 0)
            toFile(
              `${atLineStart ? "" : "\n"}[sluice] ${notRecorded} more undeclared credentials masked (${maxLogFindings} recorded as findings)\n`,
            );
          if (found.length > 0 && options.findings) {
            try {
              await options.findings.record({ ...step, logPath: path }, found);
            } catch (error) {
              const message = (
                error instanceof Error ? error.message : String(error)
              ).split("\n")[0];
              toFile(
                `${atLineStart ? "" : "\n"}[sluice] cannot record the ${found.length} undeclared credentials masked above as findings: ${options.masker.mask(message ?? "")}\n`,
              );
            }
          }
          closeSync(fd);
          live?.stepFinished(step, { ...outcome, logPath: path });
        },
      };
      return log;
    },
  };
}

/** Newlines in the first `end` characters of a text. */
function countNewlines(text: string, end: number): number {
  let n = 0;
  for (
    let at = text.indexOf("\n");
    at !== -1 && at < end;
    at = text.indexOf("\n", at + 1)
  )
    n++;
  return n;
}

function pipeline(masker: Masker) {
  return {
    decoder: new TextDecoder("utf-8", { fatal: false }),
    mask: new MaskingStream(masker, true),
    lines: new LineSplitter(),
  };
}
