import type { Socket } from "node:net";

/**
 * Connections accepted on the local server's Unix socket. The socket is mode 0600 in
 * `$SLUICE_HOME`, so whoever connects is the home's owner: admin of the local server
 * (route-auth.ts), with no token.
 */
const peers = new WeakSet<Socket>();

export function markLocalPeer(socket: Socket): void {
  peers.add(socket);
}

export function isLocalPeer(socket: Socket): boolean {
  return peers.has(socket);
}
