/**
 * The demo page: wires the form, the charts, the adapter files and the transformers.js panel, and exposes
 * `window.multilora` (results of the last run, load and transformers demo, and the benchmark) for the
 * browser tests and bench/browser-training.bench.ts. URL parameters preset the form: `backend`, `size`
 * (tiny | demo), `n`, `r`, `steps`, `lr`, `every`; `autorun=1` trains once the page is ready.
 * `document.body.dataset.state` is loading | idle | training | done | error.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adapter } from '@multilora/core';
import { availableBackends, backendLabel, BACKENDS, useBackend, type BackendName } from './backends.js';
import { runBenchmark, type BenchmarkOptions } from './bench.js';
import { drawChart, type Series } from './charts.js';
import { createSession, makeProblem, SIZES, type Session } from './experiment.js';
import { offerDownload, readChosenFiles } from './files.js';
import { adapterSpectra, type ModuleSpectrum } from './spectrum.js';
import type { TransformersResult } from './transformers-demo.js';

/** The results the tests read. */
interface PageApi {
  backends: BackendName[];
  lastRun?: { backend: string; size: string; steps: number; losses: number[]; probe: number[]; loss: number; baseLoss: number; spectra: ModuleSpectrum[]; ms: number };
  lastLoad?: { modules: number; size: string; loss: number; probe: number[] };
  transformers?: TransformersResult;
  error?: string;
  benchmark(options: BenchmarkOptions): Promise<unknown>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('train-form');
const input = (id: string) => $<HTMLInputElement>(id);
const status = $<HTMLParagraphElement>('status');
const COLORS = ['#2f5fd0', '#d0562f', '#2a9d5b', '#8e44ad', '#c2185b', '#00838f'];
const api: PageApi = { backends: [], benchmark: (o) => runBenchmark(o, (line) => setStatus(status, line)) };
(window as unknown as { multilora: PageApi }).multilora = api;

let session: Session | undefined;
let stopRequested = false;

function setState(state: string): void {
  document.body.dataset.state = state;
}

function setStatus(el: HTMLElement, text: string, error = false): void {
  el.textContent = text;
  el.classList.toggle('error', error);
}

function fail(el: HTMLElement, e: unknown): void {
  const message = e instanceof Error ? `${e.name === 'MultiLoraError' ? '' : `${e.name}: `}${e.message}` : String(e);
  api.error = message;
  setStatus(el, message, true);
  setState('error');
}

function drawLoss(losses: number[]): void {
  drawChart($('loss-chart') as unknown as SVGSVGElement, {
    title: 'Training loss (minibatch MSE)', xLabel: 'step', yLabel: 'loss (log scale)', logY: true,
    series: [{ label: 'loss', color: COLORS[0], points: losses.map((l, i) => [i + 1, l]) }],
    emptyText: 'press Train',
  });
}

/** Draws the spectra; `when` names the moment ("step 40", "loaded adapter"), empty before any. */
function drawSpectrum(spectra: ModuleSpectrum[], when: string): void {
  const series: Series[] = spectra.map((s, i) => ({ label: s.name, color: COLORS[i % COLORS.length], markers: true, points: s.values.map((v, j) => [j + 1, v]) }));
  drawChart($('spectrum-chart') as unknown as SVGSVGElement, {
    title: `Singular values of ΔW per module${when ? ` (${when})` : ''}`, xLabel: 'index j (largest first)', yLabel: 'singular value s_j (log scale)',
    logY: true, integerX: true, series, emptyText: when ? 'ΔW = 0 (scales still zero)' : 'updated every k steps while training',
  });
  $('metrics').textContent = spectra.map((s) => `${s.name}: entropy ${s.entropy === null ? '–' : s.entropy.toFixed(3)}, effective rank ${s.effectiveRank.toFixed(2)}`).join(' · ');
}

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

async function lossWithout(s: Session): Promise<number> {
  s.lora.disable();
  const base = await s.evaluate();
  s.lora.enable();
  return base;
}

async function train(): Promise<void> {
  const backend = $<HTMLSelectElement>('backend').value as BackendName;
  const size = $<HTMLSelectElement>('size').value as keyof typeof SIZES;
  const [n, r, steps, every] = ['n', 'r', 'steps', 'every'].map((id) => Math.max(1, Math.round(Number(input(id).value))));
  const lr = Number(input('lr').value);
  setState('training');
  stopRequested = false;
  $<HTMLButtonElement>('train').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('export').disabled = true;
  try {
    setStatus(status, `Starting ${backend}…`);
    await useBackend(backend);
    session?.dispose();
    session = undefined;
    const s = createSession(makeProblem(SIZES[size]), { n, r, loraAlpha: 2 * r, seed: 3 }, lr);
    session = s;
    const counts = s.lora.parameterCounts();
    const losses: number[] = [];
    let spectra: ModuleSpectrum[] = [];
    const drawEvery = Math.max(1, Math.floor(steps / 150));
    const t0 = performance.now();
    for (let i = 0; i < steps && !stopRequested; i++) {
      losses.push(await s.step(i));
      const last = i === steps - 1 || stopRequested;
      if ((i + 1) % every === 0 || last) {
        spectra = adapterSpectra(await s.lora.exportAdapterAsync());
        drawSpectrum(spectra, `step ${i + 1}`);
      }
      if ((i + 1) % drawEvery === 0 || last) {
        drawLoss(losses);
        const rate = (1000 * (i + 1)) / (performance.now() - t0);
        setStatus(status, `${backendLabel()}: step ${i + 1} / ${steps}, loss ${losses[i].toPrecision(4)} (${rate.toFixed(1)} steps/s; ${counts.trainable} trainable parameters, ${counts.percent.toFixed(1)}% of ${counts.total})`);
        await nextFrame();
      }
    }
    const ms = performance.now() - t0;
    const [loss, baseLoss, probe] = [await s.evaluate(), await lossWithout(s), await s.probe()];
    drawLoss(losses);
    api.lastRun = { backend: tf.getBackend(), size, steps: losses.length, losses, probe: Array.from(probe), loss, baseLoss, spectra, ms };
    setStatus(status, `${backendLabel()}: ${losses.length} steps in ${(ms / 1000).toFixed(1)} s. Loss on all data ${loss.toPrecision(4)} with the adapter, ${baseLoss.toPrecision(4)} without.`);
    $<HTMLButtonElement>('export').disabled = false;
    setState('done');
  } catch (e) {
    fail(status, e);
  } finally {
    $<HTMLButtonElement>('train').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

async function exportAdapter(): Promise<void> {
  const filesStatus = $('files-status');
  try {
    if (!session) throw new Error('Train first: there is no adapter to export.');
    const size = $<HTMLSelectElement>('size').value;
    const adapter = await session.lora.exportAdapterAsync({ baseModelNameOrPath: `multilora-demo/${size}` });
    const bytes = offerDownload(adapter, $('download-config'), $('download-weights'));
    setStatus(filesStatus, `Exported ${adapter.modules.size} modules (${bytes.weights} bytes of weights). Save both files:`);
  } catch (e) {
    fail(filesStatus, e);
  }
}

/** The problem an adapter was exported for (`multilora-demo/<size>`), else the form's. */
function sizeFor(adapter: Adapter): keyof typeof SIZES {
  const m = /^multilora-demo\/(tiny|demo)$/.exec(adapter.metadata.baseModelNameOrPath ?? '');
  return (m?.[1] as keyof typeof SIZES | undefined) ?? ($<HTMLSelectElement>('size').value as keyof typeof SIZES);
}

async function loadAdapter(): Promise<void> {
  const filesStatus = $('files-status');
  try {
    setState('loading-adapter');
    const adapter = await readChosenFiles(input('load'));
    const size = sizeFor(adapter);
    await useBackend($<HTMLSelectElement>('backend').value as BackendName);
    const s = createSession(makeProblem(SIZES[size]), adapter, Number(input('lr').value));
    session?.dispose();
    session = s;
    const [loss, baseLoss, probe] = [await s.evaluate(), await lossWithout(s), await s.probe()];
    const spectra = adapterSpectra(adapter);
    drawSpectrum(spectra, 'loaded adapter');
    $<HTMLSelectElement>('size').value = size;
    api.lastLoad = { modules: adapter.modules.size, size, loss, probe: Array.from(probe) };
    const c = adapter.config;
    setStatus(filesStatus, `Loaded ${adapter.modules.size} modules (n = ${c.n}, r = ${c.r}) onto the ${size} problem on ${backendLabel()}: ` +
      `loss ${loss.toPrecision(4)} with the adapter, ${baseLoss.toPrecision(4)} without.`);
    $<HTMLButtonElement>('export').disabled = false;
    setState('done');
  } catch (e) {
    fail(filesStatus, e);
  }
}

async function runTransformers(): Promise<void> {
  const tStatus = $('transformers-status');
  const button = $<HTMLButtonElement>('run-transformers');
  button.disabled = true;
  try {
    setState('transformers');
    setStatus(tStatus, 'Loading transformers.js, onnxruntime-web and the model…');
    const { runTransformersDemo } = await import('./transformers-demo.js');
    const result = await runTransformersDemo();
    api.transformers = result;
    $('t-prompt').textContent = result.promptIds.join(' ');
    $('t-base').textContent = result.baseTokens.join(' ');
    $('t-adapted').textContent = result.adaptedTokens.join(' ');
    $('t-diff').textContent = result.maxAbsLogitChange.toPrecision(4);
    $('transformers-table').hidden = false;
    setStatus(tStatus, `Merged the adapter into ${result.adaptedModules} modules; ${(result.ms / 1000).toFixed(1)} s in all (onnxruntime-web, wasm).`);
    setState('done');
  } catch (e) {
    fail(tStatus, e);
  } finally {
    button.disabled = false;
  }
}

async function init(): Promise<void> {
  const params = new URLSearchParams(location.search);
  for (const id of ['size', 'n', 'r', 'steps', 'lr', 'every']) {
    const v = params.get(id);
    if (v !== null) ($(id) as HTMLInputElement).value = v;
  }
  drawLoss([]);
  drawSpectrum([], '');
  api.backends = await availableBackends();
  const select = $<HTMLSelectElement>('backend');
  for (const name of BACKENDS) {
    const ok = api.backends.includes(name);
    select.append(new Option(ok ? name : `${name} (not available here)`, name, false, false));
    select.options[select.options.length - 1].disabled = !ok;
  }
  const wanted = params.get('backend');
  select.value = wanted && api.backends.includes(wanted as BackendName) ? wanted : api.backends[0];
  const webgl = api.backends.includes('webgl') ? ` · WebGL ${tf.env().getNumber('WEBGL_VERSION')}, float32 render targets: ${tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'yes' : 'no (float16)'}` : '';
  $('footer').textContent = `Backends here: ${api.backends.join(', ')}${webgl} · tfjs ${tf.version.tfjs} · @multilora/core, @multilora/tfjs, @multilora/wasm-kernels, @multilora/transformers`;
  form.addEventListener('submit', (e) => { e.preventDefault(); void train(); });
  $('stop').addEventListener('click', () => { stopRequested = true; });
  $('export').addEventListener('click', () => void exportAdapter());
  input('load').addEventListener('change', () => void loadAdapter());
  $('run-transformers').addEventListener('click', () => void runTransformers());
  setStatus(status, `Ready. Choose a backend and press Train.`);
  setState('idle');
  if (wanted && !api.backends.includes(wanted as BackendName)) fail(status, new Error(`backend "${wanted}" is not available in this browser (available: ${api.backends.join(', ')}).`));
  else if (params.get('autorun') === '1') await train();
}

init().catch((e) => fail(status, e));
