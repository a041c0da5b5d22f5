/**
 * Hands out fresh `Float32Array`s carved from shared 256 KiB buffers. V8 allocates typed
 * arrays over 64 bytes outside its heap, which costs about a microsecond each; a view into a
 * slab costs about a tenth of that. Every array handed out is a new region that is never
 * written again by the slab, so a returned observation is never mutated by later steps.
 * A kept array keeps its slab alive (at most 256 KiB). @internal
 */
export class Float32Slab {
  static readonly BYTES = 1 << 18;
  #buffer: ArrayBuffer = new ArrayBuffer(Float32Slab.BYTES);
  #offset = 0;

  /** A zeroed array of `length` floats. */
  take(length: number): Float32Array {
    const bytes = length * 4;
    if (bytes > Float32Slab.BYTES) return new Float32Array(length);
    if (this.#offset + bytes > Float32Slab.BYTES) {
      this.#buffer = new ArrayBuffer(Float32Slab.BYTES);
      this.#offset = 0;
    }
    const out = new Float32Array(this.#buffer, this.#offset, length);
    this.#offset += bytes;
    return out;
  }
}
