import { injectable } from 'tsyringe';

/** Whether the service should receive new traffic. Liveness is not here: it is the process itself. */
@injectable()
export class Readiness {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  /** From now on /ready answers 503 and responses ask clients to close their connection. */
  startDraining(): void {
    this.draining = true;
  }
}
