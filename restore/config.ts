/**
 * The one configuration key of the restore program (`chatbot-restore-drill:restore`), defined once
 * here with zod: the drill builds it (typed) and validates it before it creates the stack, and the
 * program validates it again before it registers any resource. This is the only module of the
 * restore program that reads `pulumi.Config`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { JOB_NAME } from "../components/restoreCheckJob";
import { FLEXIBLE_SERVER_ID, SERVER_NAME, UTC_TIME } from "../components/restoredPostgres";

/** The restore program's project name: never `chatbot-platform`, so its stacks are never the platform's. */
export const RESTORE_PROJECT = "chatbot-restore-drill";
/** The key that holds the settings (a JSON object). */
export const RESTORE_CONFIG_KEY = "restore";

const ARM_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/.+$/i;
const text = (pattern: RegExp, error: string) => z.string({ error }).regex(pattern, { error });
const armId = (what: string) => text(ARM_ID, `expected the ARM id of ${what}`);

export const restoreSettingsSchema = z.strictObject(
  {
    /** The platform stack the source server belongs to (for tags and messages). */
    sourceStack: text(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, "expected a stack name"),
    sourceServerId: text(FLEXIBLE_SERVER_ID, "expected a Flexible Server id"),
    pointInTimeUtc: text(UTC_TIME, "expected an ISO 8601 UTC time such as 2026-11-29T09:45:00Z"),
    serverName: text(SERVER_NAME, "expected 3-63 lowercase letters, digits and '-'"),
    resourceGroupName: text(/^[-\w.()]{1,90}$/, "expected a resource group name"),
    location: text(/^[a-z0-9]+$/, "expected an Azure region name such as eastus2"),
    subnetId: armId("the delegated PostgreSQL subnet"),
    dnsZoneId: armId("the PostgreSQL private DNS zone"),
    environmentId: armId("the Container Apps environment"),
    identityId: armId("the user-assigned identity that reads Key Vault"),
    keyVaultUri: text(/^https:\/\/[-a-z0-9]+\.vault\.azure\.net\/$/i, "expected a vault URI"),
    passwordSecretName: text(/^[A-Za-z0-9-]{1,127}$/, "expected a Key Vault secret name"),
    databaseName: text(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "expected a database name"),
    administratorLogin: text(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "expected a login name"),
    jobName: text(JOB_NAME, "expected 2-32 lowercase letters, digits and '-'"),
    checkImage: text(/^\S+$/, "expected an image reference with psql"),
    checkQuery: z.string({ error: "expected SQL" }).trim().min(1, { error: "expected SQL" }),
    tags: z.record(z.string(), z.string(), { error: "expected an object of strings" }),
  },
  { error: "expected an object" },
);

/** What the restore program needs, typed from the schema. */
export type RestoreSettings = z.infer<typeof restoreSettingsSchema>;

/** A rejected `restore` setting; the message names each key, the value and what is expected. */
export class RestoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreConfigError";
  }
}

/** Validates the settings; throws `RestoreConfigError` naming every bad key. */
export function parseRestoreSettings(value: unknown): RestoreSettings {
  const parsed = restoreSettingsSchema.safeParse(value);
  if (parsed.success) {
    if (parsed.data.sourceServerId.toLowerCase().endsWith(`/${parsed.data.serverName}`)) {
      throw new RestoreConfigError(
        `\`${RESTORE_PROJECT}:${RESTORE_CONFIG_KEY}.serverName\` must differ from the source server's name (a restore creates a new server), got ${parsed.data.serverName}`,
      );
    }
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    const key = [RESTORE_CONFIG_KEY, ...issue.path.map(String)].join(".");
    const received =
      issue.path.length === 0
        ? value
        : issue.path.reduce<unknown>(
            (at, part) => (at as Record<string, unknown> | undefined)?.[part as string],
            value,
          );
    return `\`${RESTORE_PROJECT}:${key}\`: ${issue.message}, got ${JSON.stringify(received) ?? "(none)"}`;
  });
  throw new RestoreConfigError(problems.join("; "));
}

/** Reads and validates the stack's `restore` key. */
export function loadRestoreSettings(): RestoreSettings {
  return parseRestoreSettings(
    new pulumi.Config(RESTORE_PROJECT).requireObject<unknown>(RESTORE_CONFIG_KEY),
  );
}
