import type { Logger } from "../kernel/index.js";
import { messageOf } from "../kernel/index.js";
import type { DeliveryEvents, DeployStore } from "./ports.js";

/** How many outbox events one delivery pass hands over at most. */
const batch = 100;

/**
 * Hands the events waiting in the deploy outbox to the metrics capability, oldest first. One
 * that fails stays in the outbox (its attempts counted, the failure logged) and is tried again
 * on the next pass; the metrics side ignores a repeated event, so a retry after a lost answer is
 * harmless. Returns how many were delivered.
 */
export async function deliverPendingEvents(
  store: Pick<DeployStore, "pendingEvents" | "eventDelivered" | "eventFailed">,
  events: DeliveryEvents,
  logger: Logger,
): Promise<number> {
  let delivered = 0;
  for (const pending of await store.pendingEvents(batch)) {
    try {
      await events.emit(pending.event);
    } catch (error) {
      await store.eventFailed(pending.id);
      logger.error("delivery event not delivered, kept for retry", {
        kind: pending.event.kind,
        attempts: pending.attempts + 1,
        error: messageOf(error),
      });
      continue;
    }
    await store.eventDelivered(pending.id);
    delivered++;
  }
  return delivered;
}
