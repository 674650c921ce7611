/** Small string helpers for messages: lists and did-you-mean suggestions. */

/** Values as a comma-separated list of JSON literals. */
export const list = (values: readonly unknown[]): string =>
  values.map((v) => JSON.stringify(v)).join(", ");

/** The closest of `candidates` to a near miss (a typo, a transposition), or undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = [...Array(b.length + 1).keys()];
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      [...b].forEach((c, j) =>
        next.push(Math.min(row[j + 1] + 1, next[j] + 1, row[j] + (a[i - 1] === c ? 0 : 1))),
      );
      row = next;
    }
    return row[b.length] * 100 + Math.abs(a.length - b.length);
  };
  const [best] = candidates
    .map((c) => [distance(word.toLowerCase(), c.toLowerCase()), c] as const)
    .sort((x, y) => x[0] - y[0]);
  return best && best[0] < Math.max(3, Math.floor(word.length / 3) + 1) * 100 ? best[1] : undefined;
}

/** ` (did you mean \`<prefix><match>\`?)` for a near miss, or nothing. */
export function didYouMean(word: string, candidates: readonly string[], prefix = ""): string {
  const match = closest(word, candidates);
  return match === undefined ? "" : ` (did you mean \`${prefix}${match}\`?)`;
}
