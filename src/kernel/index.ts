export { AppError, isAppError, messageOf } from "./errors.js";
export type { AppErrorOptions, ErrorCode, SourceLocation } from "./errors.js";
export { ManualClock, sleep, systemClock, timeoutSignal } from "./clock.js";
export type { Clock, Timer, TimerOptions } from "./clock.js";
export { newId } from "./ids.js";
export { silentLogger } from "./logger.js";
export type { Logger } from "./logger.js";
export { durationHint, formatDuration, parseDuration } from "./duration.js";
export type { DurationOptions } from "./duration.js";
export {
  parseBodyTrailers,
  parseTrailers,
  withoutTrailers,
} from "./trailers.js";
export { globToRegExp } from "./glob.js";
export { isAlive } from "./process.js";
export { embeddedDataDir, ensureHome } from "./home.js";
