/**
 * Deterministic pseudo-randomness keyed by what is being decided (seed, stream name, indexes), so
 * the model's outcomes do not depend on how often or in which order the model is asked.
 */

/** A uniform number in [0, 1) derived from the seed and the keys. */
export function unit(seed: number, stream: string, ...keys: number[]): number {
  let h = fnv1a(`${seed}|${stream}`);
  for (const key of keys) {
    h = mix(h ^ Math.imul(key | 0, 0x9e3779b1) ^ Math.floor(key / 0x100000000));
  }
  return (mix(h) >>> 0) / 0x100000000;
}

/** `length` characters from `alphabet`, derived from the seed and the keys. */
export function token(
  alphabet: string,
  length: number,
  seed: number,
  stream: string,
  ...keys: number[]
): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += alphabet[Math.floor(unit(seed, stream, ...keys, i) * alphabet.length)];
  }
  return out;
}

/** A stable 32-bit hash of a string (FNV-1a). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A latency from a log-normal distribution whose 95th percentile is `p95Ms` and whose median is
 * a third of it: median m, p95 = m * exp(1.645 * sigma) = 3m, so sigma = ln(3) / 1.645.
 */
export function latencyMs(p95Ms: number, u1: number, u2: number): number {
  const median = p95Ms / 3;
  const sigma = Math.log(3) / 1.6448536;
  const z = Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2);
  return Math.round(median * Math.exp(sigma * z) * 1000) / 1000;
}
