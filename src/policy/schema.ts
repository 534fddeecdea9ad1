import { z } from "zod";
import { durationHint, parseDuration } from "../kernel/index.js";

/** What a rule, or the policy when no rule fires, decides. */
export const decisions = ["approve", "hold", "deny"] as const;
export type DecisionKind = (typeof decisions)[number];

/** The approvals a hold needs: how many people, and from which group. */
export const Approvals = z
  .strictObject({
    count: z
      .int()
      .min(1)
      .max(20)
      .describe("How many people must approve (the author never counts)"),
    group: z
      .string()
      .min(1)
      .describe("Who may approve, e.g. `maintainers` or `sre`"),
  })
  .describe("The approvals a hold needs");
export type Approvals = z.infer<typeof Approvals>;

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM");
const weekdays = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;

/** A freeze window: recurring (weekdays and hours) or once (from a date-time to another). */
export const FreezeWindow = z
  .strictObject({
    name: z.string().min(1).describe("Shown in decisions and `freezeWindows`"),
    weekdays: z
      .array(z.enum(weekdays))
      .min(1)
      .optional()
      .describe("Recurring: the days it is open (every day when left out)"),
    from: hhmm
      .optional()
      .describe("Recurring: the time of day it opens, HH:MM (default 00:00)"),
    to: hhmm
      .optional()
      .describe(
        "Recurring: the time of day it closes, HH:MM, exclusive (default 24:00)",
      ),
    start: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Once: when it opens (ISO 8601 with an offset)"),
    end: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Once: when it closes, exclusive"),
  })
  .describe(
    "A time when changes are frozen: `weekdays`/`from`/`to` recur, `start`/`end` happen once",
  );
export type FreezeWindow = z.infer<typeof FreezeWindow>;

/** One rule: a CEL condition over the facts, and what it decides when true. */
export const Rule = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case words joined by -")
      .describe("Unique in the policy; names the rule in decisions"),
    when: z
      .string()
      .min(1)
      .describe("A CEL expression over the facts that gives a bool"),
    decision: z
      .enum(decisions)
      .describe("What the rule decides when `when` is true"),
    approvals: Approvals.optional().describe(
      "Required with `hold`: the approvals it needs",
    ),
    message: z.string().min(1).describe("Why, as shown to people"),
  })
  .describe("A rule of the policy");
export type Rule = z.infer<typeof Rule>;

/** `.sluice/policy.yml`. */
export const PolicyFile = z
  .strictObject({
    timezone: z
      .string()
      .min(1)
      .default("UTC")
      .describe(
        "IANA time zone of `weekday`, `hour` and recurring freeze windows",
      ),
    sensitivePaths: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Globs of paths whose changes carry risk (`sensitiveFiles`, risk)",
      ),
    freezeWindows: z.array(FreezeWindow).default([]),
    holdTimeout: z
      .string()
      .refine((s) => (parseDuration(s) ?? 0) > 0, durationHint)
      .default("72h")
      .describe(
        "How long a held run waits for its approvals; past it the hold is rejected when next looked at",
      ),
    groups: z
      .record(
        z.string().min(1),
        z
          .array(z.string().regex(/^[^\s@]+@[^\s@]+$/, "an email address"))
          .min(1),
      )
      .default({})
      .describe(
        "Who belongs to an approval group, by git email; a group not listed here accepts anyone but the author",
      ),
    default: z
      .strictObject({
        decision: z.enum(decisions),
        approvals: Approvals.optional(),
        message: z.string().min(1),
      })
      .default({
        decision: "hold",
        approvals: { count: 1, group: "maintainers" },
        message: "no rule approved this change",
      })
      .describe("The decision when no rule fires"),
    rules: z
      .array(Rule)
      .min(1)
      .describe("Evaluated all; deny beats hold beats approve"),
  })
  .describe("A sluice policy: rules over the facts of a change");
export type PolicyFile = z.infer<typeof PolicyFile>;
