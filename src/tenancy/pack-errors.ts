/** One problem in a pack: the file, the path inside it and what was expected. */
export interface PackProblem {
  file: string;
  path: string;
  message: string;
}

export function formatProblem(p: PackProblem): string {
  return `${p.file}: ${p.path || '(root)'}: ${p.message}`;
}

/** Every problem found while loading one or more packs, reported together. */
export class PackValidationError extends Error {
  constructor(readonly problems: PackProblem[]) {
    super(`Invalid tenant pack:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'PackValidationError';
  }
}

/** `a.b[2].c` from zod's path array. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}
