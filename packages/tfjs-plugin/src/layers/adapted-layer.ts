import type * as tf from '@tensorflow/tfjs';
import type { ModuleKind } from '@multilora/core';
import { buildAdapter, settingsFromConfig, settingsToConfig, type AdapterSettings, type AdapterState } from './adapter-state.js';
import type { LayerInternals } from './tfjs-internals.js';

/** A constructor of tfjs layers taking a config object (tfjs's Dense, Embedding, Conv2D). */
type LayerConstructor<L extends LayerInternals> = new (args: Record<string, unknown>) => L;

/**
 * What every MultiLoRA layer class shares, on top of its tfjs base class: it reads its adapter settings
 * from the `multilora` entry of its config, builds the adapter weights right after the base's own
 * (`adapterDims` gives A's shape in the layer's layout and the output size), and saves the settings back
 * in `getConfig`. Subclasses add `call` and `baseWeight`.
 */
export function withAdapter<L extends LayerInternals>(
  Base: LayerConstructor<L>,
  kind: ModuleKind,
  adapterDims: (layer: L, nr: number) => { aShape: number[]; out: number },
) {
  return class Adapted extends (Base as LayerConstructor<LayerInternals>) {
    declare multilora: AdapterState;
    declare private savedSettings: AdapterSettings;

    constructor(args: Record<string, unknown>) {
      const { multilora, ...rest } = args;
      super(rest);
      this.savedSettings = settingsFromConfig(multilora as Record<string, unknown>);
    }

    override build(inputShape: tf.Shape | tf.Shape[]): void {
      super.build(inputShape);
      const { n, r } = this.savedSettings;
      const { aShape, out } = adapterDims(this as unknown as L, n * r);
      this.multilora = buildAdapter(this, kind, this.savedSettings, aShape, out);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), multilora: settingsToConfig(this.multilora) as tf.serialization.ConfigDict };
    }
  } as unknown as LayerConstructor<L & { multilora: AdapterState }>;
}
