// The first number's marks, for the page scripts of bench/trace-page.ts and bench/ab-pages.ts:
// installed before any page script (addInitScript), it marks `em-first` when the element matching
// `selector` first holds a digit, and `em-first-frame` at the animation frame after it (the number
// is on screen), as performance marks (times since navigation start; they show in a trace too).
export function firstNumberMarks(selector: string): void {
  let done = false;
  new MutationObserver((_, obs) => {
    if (done) return;
    const el = document.querySelector(selector);
    if (el && /\d/.test(el.textContent ?? "")) {
      done = true;
      obs.disconnect();
      performance.mark("em-first");
      requestAnimationFrame(() => performance.mark("em-first-frame"));
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
}

/** The em-rate hook of /sensitivity: what the site bench times as the first number. */
export const EM_RATE = '[data-testid="em-rate"]';
