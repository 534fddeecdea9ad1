import { AppError } from "../kernel/index.js";
import { matrixSize, maxMatrixCells } from "../config/index.js";
import type { Matrix } from "../config/index.js";
import type { MatrixValue } from "./ports.js";

/** One matrix cell: axis values in a stable order (axes first, then keys added by `include`). */
export type MatrixCell = Record<string, MatrixValue>;

/**
 * Expands a matrix the way GitHub does: the cartesian product of the axes (in declaration order),
 * minus every cell that matches an `exclude` entry (partial match), then each `include` entry is
 * merged into every cell whose original axis values it does not contradict, or added as a new
 * cell when it fits none.
 */
export function expandMatrix(matrix: Matrix, jobId: string): MatrixCell[] {
  const axes = Object.entries(matrix).filter(
    (entry): entry is [string, MatrixValue[]] =>
      entry[0] !== "include" && entry[0] !== "exclude",
  );
  // The loader refuses bigger matrices; a config built another way must not exhaust memory here.
  if (matrixSize(matrix) > maxMatrixCells)
    throw new AppError(
      "CONFIG_INVALID",
      `the matrix of job ${jobId} makes more than ${maxMatrixCells} combinations`,
    );
  let cells: MatrixCell[] = axes.length > 0 ? [{}] : [];
  for (const [axis, values] of axes) {
    if (values.length === 0) {
      throw new AppError(
        "CONFIG_INVALID",
        `matrix axis ${axis} of job ${jobId} has no values`,
      );
    }
    cells = cells.flatMap((cell) =>
      values.map((v) => ({ ...cell, [axis]: v })),
    );
  }
  const excludes = matrix.exclude ?? [];
  cells = cells.filter(
    (cell) =>
      !excludes.some((ex) =>
        Object.entries(ex).every(([k, v]) => cell[k] === v),
      ),
  );
  const axisNames = new Set(axes.map(([axis]) => axis));
  const original = cells.map((cell) => ({ ...cell }));
  for (const entry of matrix.include ?? []) {
    let merged = false;
    cells.forEach((cell, i) => {
      const base = original[i] ?? {};
      const fits = Object.entries(entry).every(
        ([k, v]) => !axisNames.has(k) || base[k] === v,
      );
      if (fits && axisNames.size > 0) {
        Object.assign(cell, entry);
        merged = true;
      }
    });
    if (!merged) {
      cells.push({ ...entry });
      original.push({ ...entry });
    }
  }
  if (cells.length === 0) {
    throw new AppError(
      "CONFIG_INVALID",
      `the matrix of job ${jobId} has no combinations left`,
    );
  }
  return cells;
}

/** `test (node: 20, os: linux)`: the key of one cell. */
export function cellKey(jobId: string, cell: MatrixCell): string {
  const parts = Object.entries(cell).map(([k, v]) => `${k}: ${String(v)}`);
  return `${jobId} (${parts.join(", ")})`;
}
