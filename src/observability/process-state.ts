/**
 * Whether this process is on its way out. Set when a graceful shutdown starts, so that the
 * readiness check answers 503 and a load balancer stops sending new requests while the ones in
 * flight finish.
 */
export class ProcessState {
  private drainingSince: Date | undefined;

  startDraining(at = new Date()): void {
    this.drainingSince ??= at;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }
}
