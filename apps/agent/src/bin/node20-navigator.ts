// Imported first by the bins. When `navigator` is missing (Node 20), `pg` probes for Cloudflare Workers by
// constructing a `Response`, which loads undici and compiles its WebAssembly HTTP parser: +2 MiB of heap
// in an agent that never uses fetch, and no way to run without WebAssembly. Node ≥ 21 defines `navigator`
// itself; give Node 20 the same answer so the probe stops there.
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${process.versions.node.split('.')[0]}` }),
    configurable: true,
    writable: true,
  });
}
