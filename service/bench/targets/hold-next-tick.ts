/**
 * Preloaded (`--require`) into every target that is not the service: each holds a nextTick entry
 * as the service's main() does (src/lifecycle/next-tick-shape.ts), so when V8's memory reducer runs
 * between rounds it cannot slow one side of a pair for the rest of the run, and a pair differs by
 * what its instrumented side adds, not by which process met that GC first.
 */
import { holdNextTickShape } from '../../src/lifecycle/next-tick-shape';

void holdNextTickShape();
