/**
 * Azure reads for the release checks, through the Azure CLI (`az`), which CI logs in by OIDC
 * (`azure/login`). Thin: each builds one command and parses its JSON; the runner is injected.
 */
import { execFile } from "node:child_process";
import { ErrorBudget, RequestSample, RevisionReadiness, RevisionRef, RevisionState } from "./ports";

/** Runs a program with arguments and resolves with its standard output. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<string>;

/** The real runner: `execFile`, no shell, 60 s timeout. */
export const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: 60_000, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `${file} ${args[0]} ${args[1] ?? ""} failed: ${stderr.trim() || err.message}`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });

/** `az containerapp revision show ... --query {provisioningState, runningState}`. */
export class AzRevisionReadiness implements RevisionReadiness {
  constructor(private readonly run: CommandRunner = execRunner) {}

  async state(ref: RevisionRef): Promise<RevisionState> {
    const out = await this.run("az", [
      "containerapp",
      "revision",
      "show",
      "--name",
      ref.appName,
      "--resource-group",
      ref.resourceGroup,
      "--revision",
      ref.revision,
      "--query",
      "{provisioningState: properties.provisioningState, runningState: properties.runningState}",
      "--output",
      "json",
    ]);
    const parsed = JSON.parse(out) as Partial<RevisionState>;
    return {
      provisioningState: parsed.provisioningState ?? "Unknown",
      runningState: parsed.runningState ?? "Unknown",
    };
  }
}

/**
 * The Application Insights query: requests of one revision (its replicas' role instance names
 * start with the revision name) over the last `windowMinutes`.
 */
export function requestsQuery(revision: string, windowMinutes: number): string {
  return [
    "requests",
    `| where timestamp > ago(${windowMinutes}m)`,
    `| where cloud_RoleInstance startswith '${revision}'`,
    "| summarize requests = count(), failed = countif(success == false), avgMs = avg(duration)",
  ].join(" ");
}

interface QueryResult {
  readonly tables: ReadonlyArray<{
    readonly columns: ReadonlyArray<{ readonly name: string }>;
    readonly rows: ReadonlyArray<ReadonlyArray<unknown>>;
  }>;
}

/** `az monitor app-insights query` (extension `application-insights`). */
export class AppInsightsErrorBudget implements ErrorBudget {
  constructor(private readonly run: CommandRunner = execRunner) {}

  async sample(appId: string, revision: string, windowMinutes: number): Promise<RequestSample> {
    if (!/^[A-Za-z0-9-]+$/.test(revision)) {
      throw new Error(`revision name ${revision} is not a valid Container App revision name`);
    }
    const out = await this.run("az", [
      "monitor",
      "app-insights",
      "query",
      "--app",
      appId,
      "--analytics-query",
      requestsQuery(revision, windowMinutes),
      "--offset",
      `${windowMinutes}m`,
      "--output",
      "json",
    ]);
    const table = (JSON.parse(out) as QueryResult).tables[0];
    const row = table?.rows[0] ?? [];
    const column = (name: string): number => {
      const value = row[table?.columns.findIndex((c) => c.name === name) ?? -1];
      return typeof value === "number" ? value : 0;
    };
    return {
      requests: column("requests"),
      failedRequests: column("failed"),
      averageDurationMs: column("avgMs"),
    };
  }
}
