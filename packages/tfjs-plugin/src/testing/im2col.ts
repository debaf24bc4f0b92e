/**
 * im2col for the tests' float64 reference of the Conv2D branch: a convolution is the linear layer of
 * core's reference applied to every output pixel's patch, with the patch in the adapter file's
 * in-feature order (inC, kh, kw). NHWC, TensorFlow's 'same'/'valid' padding, no dilation.
 */

/** Geometry of one convolution. */
export interface ConvShape {
  batch: number;
  h: number;
  w: number;
  inC: number;
  kh: number;
  kw: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** Output size and leading padding of one spatial axis, as TensorFlow computes them. */
function axis(size: number, k: number, stride: number, pad: 'same' | 'valid') {
  if (pad === 'valid') return { out: Math.floor((size - k) / stride) + 1, before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/** The output height and width. */
export function convOutput(s: ConvShape): { oh: number; ow: number } {
  return { oh: axis(s.h, s.kh, s.stride, s.pad).out, ow: axis(s.w, s.kw, s.stride, s.pad).out };
}

/** Calls `visit(row, col, xIndex)` for every in-bounds (patch row, patch column, input index). */
function forEachTap(s: ConvShape, visit: (row: number, col: number, xIndex: number) => void): void {
  const ah = axis(s.h, s.kh, s.stride, s.pad);
  const aw = axis(s.w, s.kw, s.stride, s.pad);
  for (let b = 0; b < s.batch; b++) {
    for (let oy = 0; oy < ah.out; oy++) {
      for (let ox = 0; ox < aw.out; ox++) {
        const row = (b * ah.out + oy) * aw.out + ox;
        for (let c = 0; c < s.inC; c++) {
          for (let i = 0; i < s.kh; i++) {
            for (let j = 0; j < s.kw; j++) {
              const y = oy * s.stride - ah.before + i;
              const x = ox * s.stride - aw.before + j;
              if (y < 0 || y >= s.h || x < 0 || x >= s.w) continue;
              visit(row, (c * s.kh + i) * s.kw + j, ((b * s.h + y) * s.w + x) * s.inC + c);
            }
          }
        }
      }
    }
  }
}

/** Patches [batch·oh·ow, inC·kh·kw] of the NHWC input `x` (zeros where the padding is). */
export function im2col(x: ArrayLike<number>, s: ConvShape): Float64Array {
  const { oh, ow } = convOutput(s);
  const cols = s.inC * s.kh * s.kw;
  const patches = new Float64Array(s.batch * oh * ow * cols);
  forEachTap(s, (row, col, xi) => {
    patches[row * cols + col] = x[xi];
  });
  return patches;
}

/** The adjoint of {@link im2col}: patch gradients added back into an NHWC input gradient. */
export function col2im(dPatches: ArrayLike<number>, s: ConvShape): Float64Array {
  const cols = s.inC * s.kh * s.kw;
  const dx = new Float64Array(s.batch * s.h * s.w * s.inC);
  forEachTap(s, (row, col, xi) => {
    dx[xi] += dPatches[row * cols + col];
  });
  return dx;
}
