// Minimal typings for the parts of @observablehq/inputs we use (the package ships none).
declare module "@observablehq/inputs" {
  export function select<T>(data: Iterable<T> | Map<string, T>, options?: {label?: string; value?: T; format?: (d: T) => string}): HTMLElement & {value: T};
  export function table(data: readonly object[], options?: {rows?: number; maxWidth?: number; columns?: string[]; select?: boolean}): HTMLElement;
  export function range(extent: [number, number], options?: {label?: string; value?: number; step?: number}): HTMLElement & {value: number};
  export function toggle(options?: {label?: string; value?: boolean}): HTMLElement & {value: boolean};
  export function search<T>(data: readonly T[], options?: {placeholder?: string}): HTMLElement & {value: T[]};
}
