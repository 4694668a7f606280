import { record, type Sample } from '../vu-context.js';

/** k6's custom metrics; `add` records a sample the runner aggregates and thresholds read. */
abstract class Metric {
  protected abstract readonly type: Sample['type'];
  constructor(readonly name: string) {}
  add(value: number | boolean, tags?: Record<string, string>): void {
    record({ metric: this.name, type: this.type, value: Number(value), ...(tags ? { tags } : {}) });
  }
}

export class Counter extends Metric {
  protected readonly type = 'counter';
}
export class Rate extends Metric {
  protected readonly type = 'rate';
}
export class Trend extends Metric {
  protected readonly type = 'trend';
}
export class Gauge extends Metric {
  protected readonly type = 'gauge';
}
