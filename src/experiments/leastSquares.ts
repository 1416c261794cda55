/**
 * Ordinary least squares for the small polynomial models of the energy experiment,
 * y ≈ a + b·N + c·N², solved through the normal equations (3 × 3, Gaussian elimination with
 * partial pivoting), with the residuals at each point.
 */

/** A fitted polynomial and how well it fits. */
export interface PolyFit {
  /** Coefficients from the constant term up: [a, b] or [a, b, c]. */
  readonly coefficients: readonly number[];
  readonly points: readonly {
    readonly x: number;
    readonly y: number;
    readonly fitted: number;
    readonly residual: number;
  }[];
  /** Root mean square of the residuals, and the largest |residual| ÷ y. */
  readonly rmsResidual: number;
  readonly maxRelativeResidual: number;
  /** Points minus coefficients; 0 means the curve passes through every point by construction. */
  readonly degreesOfFreedom: number;
}

/** Evaluates a polynomial at x. */
export function evalPoly(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((s, c, k) => s + c * x ** k, 0);
}

/** Least-squares polynomial of the given degree (1 or 2) through the points. */
export function fitPolynomial(xs: readonly number[], ys: readonly number[], degree: 1 | 2): PolyFit {
  const m = degree + 1;
  if (xs.length !== ys.length || xs.length < m)
    throw new Error(`need at least ${m} points for degree ${degree}`);
  // Normal equations: (XᵀX) β = Xᵀy.
  const a: number[][] = Array.from({ length: m }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) =>
      j < m ? xs.reduce((s, x) => s + x ** (i + j), 0) : xs.reduce((s, x, k) => s + ys[k]! * x ** i, 0),
    ),
  );
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let j = col; j <= m; j++) a[r]![j]! -= f * a[col]![j]!;
    }
  }
  const coefficients = a.map((row, i) => row[m]! / row[i]!);
  const points = xs.map((x, k) => {
    const fitted = evalPoly(coefficients, x);
    return { x, y: ys[k]!, fitted, residual: ys[k]! - fitted };
  });
  const rmsResidual = Math.sqrt(points.reduce((s, p) => s + p.residual ** 2, 0) / points.length);
  const maxRelativeResidual = Math.max(...points.map((p) => (p.y === 0 ? 0 : Math.abs(p.residual / p.y))));
  return { coefficients, points, rmsResidual, maxRelativeResidual, degreesOfFreedom: xs.length - m };
}
