/** What `acquire` answers: a lease to release when the job ends, or why the job must not run. */
export type GroupTicket = { release(): void } | "superseded" | "cancelled";

interface Holder {
  cancel(): void;
}

interface Waiter {
  settle(ticket: GroupTicket): void;
  cancel(): void;
}

/**
 * Concurrency groups inside one process, with GitHub's rule: at most one running and one pending
 * job per group; a newer pending job replaces (cancels) the older pending one; with
 * `cancel-in-progress` it also cancels the running one. Across processes the queue maps groups
 * onto pg-boss singleton keys.
 */
export class ConcurrencyGroups {
  private readonly groups = new Map<
    string,
    { running?: Holder; pending?: Waiter }
  >();

  /**
   * Waits for the group. `onCancel` is called if a later job with `cancel-in-progress` takes the
   * group from this one while it runs. An aborted `signal` withdraws a waiting request.
   */
  acquire(
    group: string,
    options: {
      cancelInProgress: boolean;
      onCancel: () => void;
      signal: AbortSignal;
    },
  ): Promise<GroupTicket> {
    if (options.signal.aborted) return Promise.resolve("cancelled");
    const state = this.groups.get(group) ?? {};
    this.groups.set(group, state);
    if (!state.running) {
      state.running = { cancel: options.onCancel };
      return Promise.resolve(this.lease(group, state.running));
    }
    state.pending?.settle("superseded");
    if (options.cancelInProgress) state.running.cancel();
    return new Promise<GroupTicket>((resolve) => {
      const waiter: Waiter = {
        settle: (ticket) => {
          options.signal.removeEventListener("abort", onAbort);
          if (state.pending === waiter) delete state.pending;
          resolve(ticket);
        },
        cancel: options.onCancel,
      };
      const onAbort = () => waiter.settle("cancelled");
      options.signal.addEventListener("abort", onAbort, { once: true });
      state.pending = waiter;
    });
  }

  private lease(group: string, holder: Holder): { release(): void } {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const state = this.groups.get(group);
        if (!state || state.running !== holder) return;
        delete state.running;
        const next = state.pending;
        if (!next) {
          this.groups.delete(group);
          return;
        }
        delete state.pending;
        const running: Holder = { cancel: next.cancel };
        state.running = running;
        next.settle(this.lease(group, running));
      },
    };
  }
}
