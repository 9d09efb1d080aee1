/**
 * What every LoreChat instrumentation shares besides the operation recorder: the resolved
 * shared options, the component counters behind the plan's "error rate by component", and
 * where its events go.
 */
import type { Counter } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';

import { type Component, ATTR_ERROR_TYPE, METRIC_ATTR_COMPONENT } from '../semconv.js';
import * as s from '../semconv.js';
import { resolveSharedConfig } from '../telemetry/content.js';
import { type EventSink, eventSink } from '../telemetry/events.js';
import { createCounterFromCatalogue } from '../telemetry/instruments.js';
import type { LoreChatSharedConfig, ResolvedSharedConfig } from './types.js';

export abstract class LoreChatInstrumentationBase<
  C extends LoreChatSharedConfig,
> extends InstrumentationBase<C> {
  // `declare`: InstrumentationBase's constructor calls setConfig and _updateMetricInstruments
  // before field initialisers would run.
  declare protected _shared: ResolvedSharedConfig;
  declare private _componentOperations: Counter;
  declare private _componentErrors: Counter;

  override setConfig(config: C = {} as C): void {
    super.setConfig(config);
    this._shared = resolveSharedConfig(config);
  }

  protected override _updateMetricInstruments(): void {
    this._componentOperations = createCounterFromCatalogue(
      this.meter,
      s.METRIC_LORECHAT_OPERATIONS,
    );
    this._componentErrors = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_ERRORS);
  }

  /** Counts one operation of `component`, and one error of `errorType` when it failed. */
  protected countOperation(component: Component, errorType?: string): void {
    this._componentOperations.add(1, { [METRIC_ATTR_COMPONENT]: component });
    if (errorType !== undefined) {
      this._componentErrors.add(1, {
        [METRIC_ATTR_COMPONENT]: component,
        [ATTR_ERROR_TYPE]: errorType,
      });
    }
  }

  protected sink(): EventSink {
    return eventSink(this.logger, this._shared);
  }
}

/** A bounded name for span names and metric attributes (tool, agent, retriever, model). */
export function boundedName(value: unknown, fallback: string, max = 128): string {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : fallback;
}
