// Starting an HTTP server is where a user's mistake most often shows: a port in use, a port
// that needs privileges, an address this machine does not have. listen() turns each into a
// ListenError with one line naming the problem and the fix, instead of an unhandled 'error'
// event with a stack.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A server could not listen; the message names the problem and the fix. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function reason(code: string | undefined, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: the port is in use (stop what listens there, or choose another with --port)`;
    case "EACCES":
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges; choose another with --port)`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: this machine has no such address (check --host)`;
    default:
      return `cannot listen on ${where}`;
  }
}

/** Listens on host:port (port 0: any free port); resolves with the address, or rejects with a ListenError. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(
        new ListenError(`${reason(err.code, host, port)}${err.code ? "" : `: ${err.message}`}`, err.code),
      );
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** The http:// origin of a listening address (an IPv6 address in brackets). */
export function originOf(a: AddressInfo): string {
  return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
}

/** Stops a server: open connections (keep-alive ones too) are closed, then it stops listening. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
