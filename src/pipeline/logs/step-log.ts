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
      const toFile = (text: string) => {
        if (text.length === 0) return;
        writeSync(fd, text);
        atLineStart = text.endsWith("\n");
      };
      const emit = (stream: "stdout" | "stderr", masked: string) => {
        if (masked.length === 0) return;
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
            const rest = s.mask.push(s.decoder.decode()) + s.mask.flush();
            toFile(rest);
            toLive(stream, [...s.lines.push(rest), ...s.lines.flush()]);
          }
          closeSync(fd);
          live?.stepFinished(step, { ...outcome, logPath: path });
        },
      };
      return log;
    },
  };
}

function pipeline(masker: Masker) {
  return {
    decoder: new TextDecoder("utf-8", { fatal: false }),
    mask: new MaskingStream(masker, true),
    lines: new LineSplitter(),
  };
}
