/**
 * Whether a process with this pid exists, as signal 0 tells: alive, or alive under another user
 * (EPERM). Used for the pids sluice records in files (the server, the store's lock, a run's
 * driver, the deploy daemon), so anything that is not a positive whole pid is not alive: pid 0
 * or a negative one would ask about a process group, and signal 0 to our own group always works.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
