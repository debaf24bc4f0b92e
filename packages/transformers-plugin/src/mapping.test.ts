import { describe, expect, it } from 'vitest';
import { candidateScopes, isLinearNodeOf, moduleScope, nearestNames, nodeScope } from './mapping.js';

describe('module name → ONNX node mapping', () => {
  it('rule 1: ModuleList indices stay glued to their list', () => {
    expect(moduleScope('model.layers.0.self_attn.q_proj')).toBe('/model/layers.0/self_attn/q_proj');
    expect(moduleScope('encoder.layer.11.attention.self.query')).toBe('/encoder/layer.11/attention/self/query');
    expect(moduleScope('transformer.h.3.attn.c_attn')).toBe('/transformer/h.3/attn/c_attn');
    expect(moduleScope('lm_head')).toBe('/lm_head');
    expect(moduleScope('blocks.0.1.fc')).toBe('/blocks.0.1/fc');
  });

  it('rule 2: only linear ops directly inside the scope', () => {
    const scope = '/model/layers.0/self_attn/q_proj';
    expect(isLinearNodeOf(scope, `${scope}/MatMul`, 'MatMul')).toBe(true);
    expect(isLinearNodeOf(scope, `${scope}/MatMul_quant`, 'MatMulInteger')).toBe(true);
    expect(isLinearNodeOf(scope, `${scope}/MatMul_Q4`, 'MatMulNBits')).toBe(true);
    expect(isLinearNodeOf(scope, `${scope}/Add`, 'Add')).toBe(false);
    expect(isLinearNodeOf(scope, '/model/layers.0/self_attn/q_proj_2/MatMul', 'MatMul')).toBe(false);
    expect(isLinearNodeOf(scope, `${scope}/inner/MatMul`, 'MatMul')).toBe(false);
    expect(nodeScope('/a/b/Gemm')).toBe('/a/b');
    expect(nodeScope('MatMul')).toBe('');
  });

  it('nearest names rank by edit distance', () => {
    const names = ['/model/layers.0/self_attn/q_proj', '/model/layers.0/self_attn/k_proj', '/model/layers.1/mlp/up_proj', '/lm_head'];
    expect(nearestNames('/model/layers.0/self_attn/qproj', names, 2)).toEqual(['/model/layers.0/self_attn/q_proj', '/model/layers.0/self_attn/k_proj']);
    expect(nearestNames('/lm-head', names, 1)).toEqual(['/lm_head']);
  });

  it('rule 4: sub-module graphs are tried rooted after the last encoder / decoder segment', () => {
    expect(candidateScopes('model.encoder.layers.0.fc1', 'encoder_model.onnx')).toEqual(['/model/encoder/layers.0/fc1', '/layers.0/fc1']);
    expect(candidateScopes('encoder.block.0.layer.0.SelfAttention.q', 'encoder_model_quantized.onnx')).toEqual(['/encoder/block.0/layer.0/SelfAttention/q', '/block.0/layer.0/SelfAttention/q']);
    expect(candidateScopes('model.decoder.layers.1.fc2', 'decoder_model_merged.onnx')).toEqual(['/model/decoder/layers.1/fc2', '/layers.1/fc2']);
    expect(candidateScopes('model.decoder.layers.1.fc2', 'encoder_model.onnx')).toEqual(['/model/decoder/layers.1/fc2']);
    expect(candidateScopes('model.layers.0.mlp.up_proj', 'decoder_model_merged.onnx')).toEqual(['/model/layers.0/mlp/up_proj']);
  });
});
