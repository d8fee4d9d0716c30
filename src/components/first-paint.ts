// The first paint of the heavy pages (/sensitivity, /transitions; issue 28): each paints the build's
// precomputed first numbers from a small module and a small JSON file, and imports the rest of its
// views as one module, dynamically (Framework preloads a page's static imports, 80-240 files with d3,
// Plot and Arrow, and on HTTP/1.1 the data files would queue behind them). The page's views cell
// reads that module only once the first paint is on screen: it names both the views import and the
// promise below (`void firstShown`), so evaluating the views waits for that frame.
// The promise is made in the first-paint cell, which must not name the views import: a Framework cell
// waits for every promise it names, and the first number would then wait for the views module (the
// regression test/browser/first-paint.test.ts caught when one helper took both).
// No imports: this module is part of the first paint's own small set.

/** Resolves once the next frame is on screen (a frame, then a task): what a page's heavy cells wait for. */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
