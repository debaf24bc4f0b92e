/** Everything that shapes a demo run (recorded in results.json). */
export interface DemoSettings {
  seed: number;
  /** MultiLoRA's n parallel modules of rank r; LoRA gets rank n·r (equal adapter budget). */
  n: number;
  r: number;
  embedding: number;
  hidden: number;
  batch: number;
  /** Pretraining steps of the base model on the base tasks. */
  pretrainSteps: number;
  /** Fine-tuning steps of every method on the mixture (the same for all). */
  steps: number;
  /** Adam learning rates: pretraining, full fine-tuning, adapters (LoRA and MultiLoRA alike). */
  lrPretrain: number;
  lrFull: number;
  lrAdapter: number;
  /** Test examples per task (the knowledge task is always tested on its whole table). */
  testPerTask: number;
}

/** The default run: the paper's experiment in miniature, a few minutes on two CPU cores. */
export const DEFAULT_SETTINGS: DemoSettings = {
  seed: 42, n: 4, r: 4, embedding: 12, hidden: 64, batch: 32,
  pretrainSteps: 1000, steps: 1200, lrPretrain: 2e-3, lrFull: 3e-3, lrAdapter: 1e-2, testPerTask: 300,
};

/** `--quick`: a tiny model and few steps (seconds; for tests and a first look, not for conclusions). */
export const QUICK_SETTINGS: DemoSettings = {
  ...DEFAULT_SETTINGS, embedding: 6, hidden: 32, batch: 32, pretrainSteps: 60, steps: 60, testPerTask: 40,
};
