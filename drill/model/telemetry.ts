/**
 * Request telemetry as Application Insights stores it in the Log Analytics table AppRequests
 * (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/AppRequests: TimeGenerated,
 * Name, Success, ResultCode, DurationMs, ItemCount, AppRoleInstance, OperationSyntheticSource), the
 * ingestion delay before a row can be queried, and the one query the model runs: the release gate.
 */
import { ModelError, badQuery } from "./errors";
import { Json, JsonObject, isObject } from "./json";

/** One AppRequests row, plus the model's bookkeeping (`timeMs`, `ingestionTimeMs`). */
export interface RequestRow {
  readonly TimeGenerated: string;
  readonly Name: string;
  readonly Success: boolean;
  readonly ResultCode: string;
  readonly DurationMs: number;
  readonly ItemCount: number;
  readonly AppRoleInstance: string;
  /** "" for real traffic; "Application Insights Availability Monitoring" for availability tests. */
  readonly OperationSyntheticSource: string;
  readonly timeMs: number;
  /** When the row becomes visible to queries. */
  readonly ingestionTimeMs: number;
}

/** What a caller records; the store adds TimeGenerated, ItemCount and the ingestion time. */
export interface RowInput {
  readonly timeMs: number;
  readonly Name: string;
  readonly Success: boolean;
  readonly ResultCode: string;
  readonly DurationMs: number;
  readonly AppRoleInstance: string;
  readonly OperationSyntheticSource?: string;
}

/** The parsed gate query. */
export interface GateQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly roleInstance: RegExp;
  readonly revisionName: string;
  readonly excludedNames: readonly string[];
}

/** The gate query's single result row. */
export interface GateResult {
  readonly requests: number;
  readonly failed: number;
  readonly p95: number | null;
}

const ISO_MS = "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)";
/** Any valid revision name: <app>--<suffix>, lower case alphanumerics and single dashes. */
const REVISION = "[a-z](?:[a-z0-9]|-(?!-))*--[a-z0-9](?:(?:[a-z0-9]|-(?!-))*[a-z0-9])?";
/**
 * On AKS, a slot Deployment's pods (`release/aks.ts` podNamePattern): `<deployment>-<pod-template-hash>-<5>`
 * in Kubernetes' name alphabet (k8s.io/apimachinery/pkg/util/rand).
 */
const AKS_NAME_CHARS = "\\[bcdfghjklmnpqrstvwxz2456789\\]";
const AKS_PODS = `\\^(chatbot-api-(?:blue|green))-${AKS_NAME_CHARS}\\{1,10\\}-${AKS_NAME_CHARS}\\{5\\}\\$`;
const GATE_LINES: readonly RegExp[] = [
  /^AppRequests$/,
  new RegExp(
    `^\\| where TimeGenerated >= datetime\\(${ISO_MS}\\) and TimeGenerated < datetime\\(${ISO_MS}\\)$`,
  ),
  new RegExp(
    `^\\| where AppRoleInstance matches regex "(\\^(${REVISION})-\\[0-9a-f\\]\\{8,10\\}-\\[0-9a-z\\]\\{5\\}\\$|${AKS_PODS})"$`,
  ),
  /^\| where isempty\(OperationSyntheticSource\)(?: and Name !in \(("[^"\\]*"(?:, "[^"\\]*")*)\))?$/,
  /^\| summarize requests = sum\(ItemCount\), failed = sumif\(ItemCount, Success == false\), p95 = percentilew\(DurationMs, ItemCount, 95\)$/,
];

/**
 * Rule 16: the strict parser of the release gate query (one line per pipe, joined with "\n").
 * Anything else is 400 BadArgumentError.
 */
export function parseGateQuery(query: string): GateQuery {
  const lines = query.split("\n");
  if (lines.length !== GATE_LINES.length) {
    throw badQuery(`expected ${GATE_LINES.length} lines, got ${lines.length}`);
  }
  const matches = lines.map((line, i) => {
    const match = GATE_LINES[i].exec(line);
    if (match === null) {
      throw badQuery(`line ${i + 1} is not the gate query's: ${line}`);
    }
    return match;
  });
  const [, window, role, names] = matches;
  const revisionName = role[2] ?? role[3];
  if (role[2] !== undefined && revisionName.length > 54) {
    throw badQuery(`revision name ${revisionName} is longer than 54 characters`);
  }
  return {
    fromMs: Date.parse(window[1]),
    toMs: Date.parse(window[2]),
    // "matches regex" uses RE2 syntax (https://learn.microsoft.com/en-us/kusto/query/matches-regex-operator);
    // the model evaluates the pattern with JS RegExp, which agrees on this pattern.
    roleInstance: new RegExp(role[1]),
    revisionName,
    excludedNames:
      names[1] === undefined ? [] : [...names[1].matchAll(/"([^"\\]*)"/g)].map((m) => m[1]),
  };
}

/**
 * Weighted nearest-rank percentile (Kusto's percentilew estimates it; the model computes it
 * exactly).
 */
export function weightedPercentile(
  samples: ReadonlyArray<readonly [number, number]>,
  percent: number,
): number | null {
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) {
    return null;
  }
  const target = (percent / 100) * total;
  let cumulative = 0;
  for (const [value, weight] of sorted) {
    cumulative += weight;
    if (cumulative >= target) {
      return value;
    }
  }
  return sorted[sorted.length - 1][0];
}

/**
 * The `timespan` body member: an ISO 8601 interval ("start/end", "start/duration",
 * "duration/end") or a duration ending now
 * (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/request-format, "timespan"; the
 * SDK's convertTimespanToInterval sends exactly these forms).
 */
export function parseTimespan(text: string, now: number): { fromMs: number; toMs: number } {
  const parts = text.split("/");
  const instant = (s: string): number | undefined =>
    /^\d{4}-/.test(s) ? Date.parse(s) : undefined;
  let range: { fromMs: number; toMs: number } | undefined;
  if (parts.length === 1) {
    const d = durationMs(parts[0]);
    range = d === undefined ? undefined : { fromMs: now - d, toMs: now };
  } else if (parts.length === 2) {
    const [a, b] = parts;
    const [ta, tb, da, db] = [instant(a), instant(b), durationMs(a), durationMs(b)];
    if (ta !== undefined && tb !== undefined) {
      range = { fromMs: ta, toMs: tb };
    } else if (ta !== undefined && db !== undefined) {
      range = { fromMs: ta, toMs: ta + db };
    } else if (da !== undefined && tb !== undefined) {
      range = { fromMs: tb - da, toMs: tb };
    }
  }
  if (range === undefined || !Number.isFinite(range.fromMs) || !Number.isFinite(range.toMs)) {
    throw new ModelError(
      400,
      "BadArgumentError",
      `Invalid timespan '${text}' (message not confirmed)`,
    );
  }
  return range;
}

function durationMs(text: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (m === null || text === "P" || text.endsWith("T")) {
    return undefined;
  }
  const [w, d, h, min, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** Rows as the Logs API holds them, with their ingestion delay. */
export class TelemetryStore {
  private readonly rows: RequestRow[] = [];

  constructor(private readonly ingestionLagMs: number) {}

  /**
   * Rule 15: a row becomes visible `ingestionLagMs` after it happened (ingestion takes "between
   * 20 seconds and 3 minutes": https://learn.microsoft.com/en-us/azure/azure-monitor/logs/data-ingestion-time).
   */
  record(input: RowInput): void {
    this.rows.push({
      TimeGenerated: new Date(Math.floor(input.timeMs)).toISOString(),
      Name: input.Name,
      Success: input.Success,
      ResultCode: input.ResultCode,
      DurationMs: input.DurationMs,
      ItemCount: 1,
      AppRoleInstance: input.AppRoleInstance,
      OperationSyntheticSource: input.OperationSyntheticSource ?? "",
      timeMs: input.timeMs,
      ingestionTimeMs: input.timeMs + this.ingestionLagMs,
    });
  }

  /** Every row, ingested or not (copies). */
  all(): RequestRow[] {
    return this.rows.map((r) => ({ ...r }));
  }

  /** The gate query over the rows visible at `now`, restricted to `timespan` when given. */
  evaluate(query: GateQuery, now: number, timespan?: { fromMs: number; toMs: number }): GateResult {
    let requests = 0;
    let failed = 0;
    const samples: Array<readonly [number, number]> = [];
    for (const row of this.rows) {
      const t = Math.floor(row.timeMs);
      if (
        row.ingestionTimeMs > now ||
        t < query.fromMs ||
        t >= query.toMs ||
        (timespan !== undefined && (t < timespan.fromMs || t >= timespan.toMs)) ||
        !query.roleInstance.test(row.AppRoleInstance) ||
        row.OperationSyntheticSource !== "" ||
        query.excludedNames.includes(row.Name)
      ) {
        continue;
      }
      requests += row.ItemCount;
      failed += row.Success ? 0 : row.ItemCount;
      samples.push([row.DurationMs, row.ItemCount]);
    }
    return { requests, failed, p95: weightedPercentile(samples, 95) };
  }

  /**
   * POST /v1/workspaces/{id}/query with `{ query, timespan?, workspaces? }` (what
   * LogsQueryClient.queryWorkspace sends: @azure/monitor-query-logs api/operations.js
   * `_executeSend`, models.js `queryBodySerializer`). Answers the documented response shape
   * (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/response-format): one table
   * PrimaryResult with typed columns. A malformed body is 400 BadArgumentError "The request had
   * some invalid properties" (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors).
   */
  query(body: Json, now: number): JsonObject {
    const allowed = new Set(["query", "timespan", "workspaces"]);
    if (
      !isObject(body) ||
      typeof body.query !== "string" ||
      (body.timespan !== undefined && typeof body.timespan !== "string") ||
      (body.workspaces !== undefined && !Array.isArray(body.workspaces)) ||
      Object.keys(body).some((k) => !allowed.has(k))
    ) {
      throw new ModelError(400, "BadArgumentError", "The request had some invalid properties");
    }
    const gate = parseGateQuery(body.query);
    const span = typeof body.timespan === "string" ? parseTimespan(body.timespan, now) : undefined;
    const result = this.evaluate(gate, now, span);
    return {
      tables: [
        {
          name: "PrimaryResult",
          columns: [
            { name: "requests", type: "long" },
            { name: "failed", type: "long" },
            { name: "p95", type: "real" },
          ],
          rows: [[result.requests, result.failed, result.p95]],
        },
      ],
    };
  }
}
