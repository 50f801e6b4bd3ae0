import { hash } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens';
import { type Clock } from '../clock';
import { type Random } from '../random';
import { type Metrics } from '../metrics/metrics';
import { InjectedFailure } from './errors';
import { type WorkParams } from './params';

export interface WorkResult {
  readonly latency_ms: number;
  readonly size: number;
  readonly digest: string;
}

/** The synthetic workload: wait, maybe fail on purpose, then burn `size` rounds of hashing. */
@injectable()
export class WorkService {
  constructor(
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Random) private readonly random: Random,
    @inject(TOKENS.Metrics) private readonly metrics: Metrics,
  ) {}

  async run(params: WorkParams): Promise<WorkResult> {
    await this.clock.sleep(params.latencyMs);
    if (params.errorRate > 0 && this.random.next() < params.errorRate) {
      this.metrics.workFinished('failure');
      throw new InjectedFailure();
    }
    // One-shot hash(): no Hash object per round, so the workload is CPU, not garbage.
    let digest = Buffer.alloc(32);
    for (let round = 0; round < params.size; round += 1) {
      digest = hash('sha256', digest, 'buffer');
    }
    this.metrics.workDone(params.size);
    this.metrics.workFinished('success');
    return { latency_ms: params.latencyMs, size: params.size, digest: digest.toString('hex') };
  }
}
