/**
 * What the browser tests and bench/browser-training.bench.ts share: building the demo page
 * (examples/browser: generated public/ folder, then `vite build` in a child process), a tiny static
 * server on 127.0.0.1, and headless Chromium (Debian's `chromium` driven by playwright-core).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { PAGE_DIR, preparePublicDir } from '../../examples/browser/scripts/prepare.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Where screenshots and downloaded adapters go (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

/** The Chromium binary: $CHROMIUM_PATH or Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when Chromium is installed. */
export function missingChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's chromium and libvulkan1 ` +
    '(as root: apt-get update && apt-get install -y chromium libvulkan1), or set CHROMIUM_PATH to a Chromium binary. ' +
    'To skip the browser tests on purpose, set MULTILORA_SKIP_BROWSER=1.';
}

/** Chromium's flags here: WebGPU and WebGL on SwiftShader, headless, no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
];

/** Launches headless Chromium (Playwright gives every launch a fresh temporary profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

/**
 * Writes the page's public/ folder and builds the page with Vite (the packages' dist builds must exist:
 * `npm run build`). Returns the built folder.
 */
export async function buildPage(): Promise<string> {
  for (const pkg of ['core', 'tfjs-plugin', 'wasm-kernels', 'transformers-plugin']) {
    if (!existsSync(join(REPO, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist/index.js is missing: the page uses the packages' builds; run npm run build first.`);
    }
  }
  await preparePublicDir();
  await run(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', PAGE_DIR, '--logLevel', 'warn']);
  return join(PAGE_DIR, 'dist');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
  '.safetensors': 'application/octet-stream', '.svg': 'image/svg+xml', '.map': 'application/json',
};

/** A running static server. */
export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 at a free port (GET only; no directory listings). */
export async function serveStatic(root: string): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
