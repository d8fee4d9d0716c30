// The one table component of the site: rows in, an accessible HTML table out. Cells are text (or
// nodes a column builds itself), so model output placed in a cell stays inert.
import {el} from "./ui.js";

export interface Column<T> {
  /** Header text. */
  label: string;
  /** Cell content: text, a node, or null for an empty cell. */
  value: (row: T) => string | Node | null;
  /** Right-aligned numeric column. */
  num?: boolean;
  /** Extra cell attributes (e.g. colspan), or a class. */
  attrs?: (row: T) => Record<string, string>;
}

export interface TableOptions<T> {
  testid?: string;
  /** Attributes per row (a data-testid, a data-verdict). */
  rowAttrs?: (row: T) => Record<string, string>;
  /** Cells per row when a row does not follow the columns (e.g. one cell spanning several). */
  cells?: (row: T) => HTMLTableCellElement[] | null;
  caption?: string;
}

/** A table of `rows` with one column per `columns` entry. */
export function dataTable<T>(
  rows: readonly T[],
  columns: readonly (Column<T> | null | false)[],
  {testid, rowAttrs, cells, caption}: TableOptions<T> = {},
): HTMLTableElement {
  const cols = columns.filter((c): c is Column<T> => Boolean(c));
  const table = el("table", {class: "em-table", ...(testid ? {"data-testid": testid} : {})});
  if (caption) table.append(el("caption", {}, caption));
  table.append(el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", {scope: "col"}, c.label)))));
  const body = el("tbody");
  for (const row of rows) {
    const custom = cells?.(row) ?? null;
    const tds =
      custom ??
      cols.map((c) => {
        const v = c.value(row);
        const attrs = {...(c.num ? {class: "num"} : {}), ...(c.attrs?.(row) ?? {})};
        return el("td", attrs, ...(v === null ? [] : [v]));
      });
    body.append(el("tr", rowAttrs?.(row) ?? {}, ...tds));
  }
  table.append(body);
  return table;
}

/** A cell for custom rows (dataTable's `cells`). */
export const cell = (content: string | Node, attrs: Record<string, string> = {}): HTMLTableCellElement => el("td", attrs, content);
