#!/bin/sh
# After `multilora demo` (run from the repository root, so that ./multilora-demo exists): train your own
# MultiLoRA adapter on the demo's pretrained base model and mixture data, resume it, inspect it against
# full fine-tuning, and export it as a PEFT LoRA. DEMO=<folder> points at another demo output.
set -e
CLI="node packages/cli/dist/cli.js"
DEMO=${DEMO:-multilora-demo}
$CLI train "$DEMO/base-model" "$DEMO/mixture.jsonl" --out my-adapter --steps 100 --targets fc1,fc2,fc3
$CLI train "$DEMO/base-model" "$DEMO/mixture.jsonl" --out my-adapter --steps 200 --targets fc1,fc2,fc3 --resume
$CLI inspect my-adapter --compare "$DEMO/full-ft-delta.safetensors" --out my-adapter-report
$CLI convert my-adapter my-adapter-peft --to lora
