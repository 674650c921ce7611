import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";

/** Container Apps job names: 2-32 lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, no '--'. */
export const JOB_NAME = /^(?!.*--)[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export interface RestoreCheckJobArgs {
  /** Resource group of the job. */
  readonly resourceGroupName: string;
  /** Azure region (the environment's). */
  readonly location: string;
  /** Job name (2-32 characters). */
  readonly jobName: string;
  /**
   * The Container Apps environment the job runs in: VNet-integrated, so it resolves and reaches
   * the restored server's private address (the server has no public endpoint).
   */
  readonly environmentId: string;
  /** User-assigned identity with `Key Vault Secrets User` on the vault (the app's). */
  readonly identityId: string;
  /** The vault's URI (`https://<vault>.vault.azure.net/`). */
  readonly keyVaultUri: string;
  /** The Key Vault secret holding the administrator password. */
  readonly passwordSecretName: string;
  /** Host name of the server to check. */
  readonly host: pulumi.Input<string>;
  /** Database to connect to. */
  readonly databaseName: string;
  /** Administrator login (a restored server keeps the source's). */
  readonly administratorLogin: string;
  /** Image with `psql`, e.g. `docker.io/library/postgres:16-alpine`. */
  readonly image: string;
  /** SQL run with `psql -v ON_ERROR_STOP=1 -c`: any error fails the execution. */
  readonly query: string;
  /**
   * Longest run of one execution, in seconds (Container Apps `replicaTimeout`).
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /** Tags of the job. */
  readonly tags: Record<string, string>;
}

/**
 * A manually triggered Container Apps job that runs one SQL check against a server with `psql`,
 * from inside the platform's VNet-integrated environment, with the administrator password read
 * from Key Vault through a user-assigned identity (a Key Vault reference: the value never passes
 * through Pulumi). The execution succeeds only when psql exits 0, so the caller reads the result
 * from the execution's status. Jobs: https://learn.microsoft.com/azure/container-apps/jobs
 * (manual trigger, `replicaTimeout`, `replicaRetryLimit`); Key Vault references:
 * https://learn.microsoft.com/azure/container-apps/manage-secrets#reference-secret-from-key-vault.
 */
export class RestoreCheckJob extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  public readonly jobId: pulumi.Output<string>;

  constructor(name: string, args: RestoreCheckJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:database:RestoreCheckJob", name, {}, opts);
    if (!JOB_NAME.test(args.jobName)) {
      throw new Error(
        `\`jobName\` must be 2-32 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, without '--'; received ${JSON.stringify(args.jobName)}`,
      );
    }
    if (args.image === "" || /\s/.test(args.image)) {
      throw new Error(
        `\`image\` must be an image reference with psql, e.g. docker.io/library/postgres:16-alpine; received ${JSON.stringify(args.image)}`,
      );
    }
    if (args.query.trim() === "") {
      throw new Error("`query` must be a SQL statement; received an empty string");
    }
    const timeout = args.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeout) || timeout < 60 || timeout > 3600) {
      throw new Error(
        `\`timeoutSeconds\` must be an integer from 60 to 3600; received ${JSON.stringify(timeout)}`,
      );
    }

    const passwordRef = "postgres-password";
    const job = new app.Job(
      `${name}-job`,
      {
        jobName: args.jobName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        environmentId: args.environmentId,
        identity: { type: "UserAssigned", userAssignedIdentities: [args.identityId] },
        configuration: {
          triggerType: "Manual",
          manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
          replicaTimeout: timeout,
          // One attempt: a failed check is a result, not something to retry into success.
          replicaRetryLimit: 0,
          secrets: [
            {
              name: passwordRef,
              keyVaultUrl: `${args.keyVaultUri.replace(/\/?$/, "/")}secrets/${args.passwordSecretName}`,
              identity: args.identityId,
            },
          ],
        },
        template: {
          containers: [
            {
              name: "psql",
              image: args.image,
              command: ["psql"],
              args: ["-v", "ON_ERROR_STOP=1", "-c", args.query],
              // libpq's environment variables: no credential on the command line.
              env: [
                { name: "PGHOST", value: args.host },
                { name: "PGPORT", value: "5432" },
                { name: "PGDATABASE", value: args.databaseName },
                { name: "PGUSER", value: args.administratorLogin },
                { name: "PGSSLMODE", value: "require" },
                { name: "PGCONNECT_TIMEOUT", value: "30" },
                { name: "PGPASSWORD", secretRef: passwordRef },
              ],
              resources: { cpu: 0.25, memory: "0.5Gi" },
            },
          ],
        },
        tags: args.tags,
      },
      { parent: this },
    );

    this.jobName = job.name;
    this.jobId = job.id;
    this.registerOutputs({ jobName: this.jobName, jobId: this.jobId });
  }
}
