/**
 * Locates values in a Pulumi stack file (`Pulumi.<stack>.yaml`) with the `yaml` package's node
 * ranges and LineCounter, and reads what the file holds that Pulumi loses in transit (a number's
 * text, `secure:`).
 */
import * as YAML from "yaml";

/** A key path: the top-level key (namespaced or not), then map keys and list indexes. */
export type Path = readonly (string | number)[];
const keyOf = (pair: YAML.Pair) => (YAML.isScalar(pair.key) ? pair.key.value : undefined);
const isSecure = (node: unknown) =>
  YAML.isMap(node) && node.items.length === 1 && keyOf(node.items[0]) === "secure";

/** Does the file's node hold `value`, as Pulumi hands it over (a `secure:` leaf holds anything)? */
function holds(node: unknown, value: unknown): boolean {
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (isSecure(node)) return true;
  if (YAML.isMap(node))
    return (
      node.items.length === Object.keys(record).length &&
      node.items.every((p) => holds(p.value, record[String(keyOf(p))]))
    );
  if (YAML.isSeq(node))
    return (
      Array.isArray(value) &&
      node.items.length === value.length &&
      node.items.every((item, i) => holds(item, value[i]))
    );
  const scalar = YAML.isScalar(node) ? node.value : undefined;
  return scalar === value || (typeof value === "string" && String(scalar) === value);
}

/** A parsed stack file, used to locate the raw values Pulumi handed the program. */
export class StackFile {
  private readonly lines = new YAML.LineCounter();
  private readonly config: unknown;
  private readonly configKeyOffset: number | undefined;

  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly raw: Readonly<Record<string, string | undefined>>,
    private readonly project: string,
  ) {
    const document = YAML.parseDocument(text, { lineCounter: this.lines });
    this.config = document.get("config", true);
    const pair = YAML.isMap(document.contents)
      ? document.contents.items.find((p) => keyOf(p) === "config")
      : undefined;
    this.configKeyOffset = (pair?.key as YAML.Scalar | undefined)?.range?.[0];
  }

  /** The key ranges along `path` the file holds (when it holds the value Pulumi handed over), and the last node. */
  private walk(at: Path): { ranges: number[]; node?: unknown } {
    const [top, ...rest] = at.map(String);
    const names = top.includes(":") ? [top] : [`${this.project}:${top}`, top];
    const pair = YAML.isMap(this.config)
      ? this.config.items.find((p) => names.includes(String(keyOf(p))))
      : undefined;
    let value: unknown = this.raw[top];
    try {
      value = YAML.isCollection(pair?.value) ? JSON.parse(String(value)) : value;
    } catch {
      return { ranges: [] };
    }
    if (pair === undefined || !holds(pair.value, value)) return { ranges: [] };
    const ranges = [(pair.key as YAML.Scalar).range?.[0] ?? 0];
    let node: unknown = pair.value;
    for (const segment of rest) {
      const next = YAML.isMap(node)
        ? node.items.find((p) => String(keyOf(p)) === segment)
        : undefined;
      const item = YAML.isSeq(node)
        ? (node.items[Number(segment)] as YAML.Node | undefined)
        : undefined;
      if (next === undefined && item === undefined) return { ranges };
      ranges.push((next ? (next.key as YAML.Scalar).range?.[0] : item?.range?.[0]) ?? 0);
      node = next ? next.value : item;
    }
    return { ranges, node };
  }

  /** `Pulumi.dev.yaml:7:5`: the key (or its nearest ancestor the file holds). */
  position(at: Path): string | undefined {
    const offset = this.walk(at).ranges.pop() ?? this.missingKeyOffset(at);
    const place = offset === undefined ? undefined : this.lines.linePos(offset);
    return place && `${this.file}:${place.line}:${place.col}`;
  }

  /**
   * For a top-level key that neither the file nor Pulumi holds (a required key left out), the
   * `config:` key it belongs under.
   */
  private missingKeyOffset(at: Path): number | undefined {
    const top = String(at[0]);
    return at.length === 1 && this.raw[top] === undefined ? this.configKeyOffset : undefined;
  }

  /** The file's text of the scalar at `path` (`1.10` where Pulumi hands over 1.1). */
  source(at: Path): string | undefined {
    const { node } = this.walk(at);
    return YAML.isScalar(node) && node.range
      ? this.text.slice(node.range[0], node.range[1])
      : undefined;
  }

  /** Names under `key` whose values the file holds in plain text instead of `secure:`. */
  plaintextLeaves(key: string): string[] {
    const { node } = this.walk([key]);
    return YAML.isMap(node)
      ? node.items.filter((p) => !isSecure(p.value)).map((p) => String(keyOf(p)))
      : [];
  }

  /** The value of the scalar at `path`, as the file holds it (a number stays a number). */
  scalar(at: Path): unknown {
    const { node } = this.walk(at);
    return YAML.isScalar(node) ? node.value : undefined;
  }
}
