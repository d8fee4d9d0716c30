// The views of the /responses page (src/responses.md) once its points are in, so the page is prose
// and calls: the download links, the list with its detail panel, and the answers that address their
// judge. The counts line and the first page: responses-first-view.ts.
import {decodePoints, pointsOfJudges, type Points} from "./points.js";
import {pointsLoader} from "./points-loader.js";
import type {FirstPaint} from "../lib/site-first.js";
import {sliceRecords, injectionHitRids, injectionList, SLICE_TEXT_COLUMNS, type ResponseSlice} from "./responses.js";
import {responseTable} from "./response-list.js";
import {pointsSource} from "./response-lines.js";
import {once, showDetail, type DetailSources} from "./responses-first-view.js";
import type {ExactScores, Texts} from "./texts-store.js";
import {downloadCsv} from "./downloads.js";
import {downloadParquet} from "./parquet.js";
import {el} from "./ui.js";
import {EM} from "../lib/em/view-flags.js";

/** points-exact.arrow (the exact scores, one stream per judge) and first.json, which says where each judge's stream sits. */
export interface ExactSource {
  url: string;
  first: () => Promise<FirstPaint | null>;
}

/**
 * The exact scores (points-exact.arrow, ~10x the compact points) of the judges `points` holds (the
 * compact rows the page loaded), fetched on first use (a download): those judges' streams by byte
 * range (the whole file when first.json does not say where they sit), row for row beside `points`.
 */
export function exactPoints(source: ExactSource, points: Points): () => Promise<Points> {
  const judges = points.dicts.judge;
  return once(async () => {
    // The loader starts with the URL's judge; perExperiment 0: no experiment's default besides.
    const loader = pointsLoader(source.url, source.first(), judges.length ? `?judge=${encodeURIComponent(judges[0]!)}` : "", {
      segments: "exact",
      perExperiment: 0,
    });
    await loader.load(judges);
    return pointsOfJudges(decodePoints(loader.parts()), judges);
  });
}

/** "Download this slice: CSV · Parquet": every answer of the slice, fetched on click, with exact scores. */
export function downloadBar(points: Points, texts: Texts, slice: ResponseSlice, exact: () => Promise<Points>): HTMLElement {
  const button = (label: string, testid: string, save: (rows: Record<string, unknown>[], name: string) => unknown) => {
    const b = el("button", {type: "button", class: "em-link", "data-testid": testid}, label);
    b.addEventListener("click", async () => {
      // Every answer of the slice is fetched for a download (the rows' pages, or whole row groups for big slices).
      await texts.load(
        Array.from(slice.rows, (i) => points.rid[i]!),
        SLICE_TEXT_COLUMNS,
      );
      save(sliceRecords(points, texts, slice.sorted(), slice.flags, await exact()), "responses");
    });
    return b;
  };
  return el("p", {}, "Download this slice: ", button("CSV", "download-csv", downloadCsv), " · ", button("Parquet", "download-parquet", downloadParquet));
}

/**
 * The whole slice as the answer list, most misaligned coherent answers first, and above it the
 * detail of the answer clicked (in `detail`: the box the first page used, so an answer opened
 * before the points arrived stays open).
 */
export function responseBrowser(
  points: Points,
  slice: ResponseSlice,
  {scores, detail, ...sources}: DetailSources & {scores: ExactScores; detail: HTMLElement},
): HTMLElement {
  const source = pointsSource(points, slice.display(), (i) => slice.flags[i] === EM);
  const list = responseTable(sources.texts, source, {scores, onSelect: (k) => void showDetail(detail, source.line(k), sources)});
  return el("div", {}, detail, list);
}

/**
 * The slice's answers that address their judge (injectionList), in list order. Reads the injection
 * column first (mostly null: a few KB of Parquet definition levels), then only the hits' answers.
 */
export async function injectedAnswers(points: Points, texts: Texts, slice: ResponseSlice): Promise<HTMLElement> {
  await texts.column("injection");
  // One test per page (the texts are the page's): a brushed range filters the hits of its base.
  const injected = slice.where("injection", (i) => texts.injection(points.rid[i]!) !== null);
  await texts.load(injectionHitRids(points, texts, injected), ["response"]);
  return injectionList(points, texts, injected);
}
