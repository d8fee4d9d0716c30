// The first paint of the heavy pages (/sensitivity, /transitions; issue 28): the page paints the
// build's precomputed first numbers from a small module and a small JSON file, and imports the rest
// of its views as one module, dynamically: Framework preloads a page's static imports (80-240 files
// with d3, Plot and Arrow), and on HTTP/1.1 (six connections per host) the data files would queue
// behind them. The page starts that import with its data requests and uses the module only once the
// first paint is on screen, so evaluating it stands between the data and nothing on screen.
// No imports: this module is in the first paint's own small set (test/browser/first-paint.test.ts).

/** Resolves once the next frame is on screen (a frame, then a task). */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/**
 * The page's views module once its first paint is on screen. Call it in the cell that displays the
 * first numbers, after `display`; `views` is the page's `import("./components/<page>-views.js")`,
 * started with its data requests. The cells that read the module then run after that frame.
 */
export function viewsAfterPaint<M>(views: Promise<M>): Promise<M> {
  return afterPaint().then(() => views);
}
