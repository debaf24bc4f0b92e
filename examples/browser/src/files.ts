/**
 * Adapter files in the browser: core's `serializeAdapter` gives the two files of a PEFT-style folder as
 * text and bytes, offered as download links; core's `readAdapterFiles` reads them back from the
 * `FileList` of an `<input type="file" multiple>` (it picks the two files by name).
 */
import { readAdapterFiles, serializeAdapter, type Adapter } from '@multilora/core';

/** Points the two links at fresh blob URLs of `adapter`'s files; returns the files' sizes in bytes. */
export function offerDownload(adapter: Adapter, configLink: HTMLAnchorElement, weightsLink: HTMLAnchorElement): { config: number; weights: number } {
  const files = serializeAdapter(adapter);
  for (const link of [configLink, weightsLink]) if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  configLink.href = URL.createObjectURL(new Blob([files.config], { type: 'application/json' }));
  weightsLink.href = URL.createObjectURL(new Blob([files.weights as BlobPart], { type: 'application/octet-stream' }));
  configLink.hidden = false;
  weightsLink.hidden = false;
  return { config: files.config.length, weights: files.weights.byteLength };
}

/** The adapter in the files chosen in `input`. */
export function readChosenFiles(input: HTMLInputElement): Promise<Adapter> {
  return readAdapterFiles(input.files ?? []);
}
