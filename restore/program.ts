/**
 * The restore program: a new PostgreSQL Flexible Server restored from the source server's backups
 * to a point in time, in the source's VNet (private access), and a Container Apps job in the
 * platform's environment that checks it with one SQL query. Every setting is validated before any
 * resource is registered. The source server is only named by id: the program creates nothing
 * that reads or writes it, and its stacks belong to another project than the platform's.
 */
import * as pulumi from "@pulumi/pulumi";
import { RestoreCheckJob } from "../components/restoreCheckJob";
import { RestoredPostgres } from "../components/restoredPostgres";
import { parseRestoreSettings, RestoreSettings } from "./config";

/** The stack outputs the drill reads. */
export interface RestoreOutputs {
  serverId: pulumi.Output<string>;
  serverName: pulumi.Output<string>;
  host: pulumi.Output<string>;
  /** `Ready` once the restore finished. */
  state: pulumi.Output<string>;
  jobName: pulumi.Output<string>;
  resourceGroupName: string;
  pointInTimeUtc: string;
  sourceServerId: string;
}

/** Builds the restore stack from validated settings. */
export function restoreProgram(input: RestoreSettings): RestoreOutputs {
  // Validated as a whole first: a bad value never leaves a half-registered stack.
  const settings = parseRestoreSettings(input);
  const restored = new RestoredPostgres("restore", {
    resourceGroupName: settings.resourceGroupName,
    location: settings.location,
    serverName: settings.serverName,
    sourceServerId: settings.sourceServerId,
    pointInTimeUtc: settings.pointInTimeUtc,
    privateAccess: { subnetId: settings.subnetId, dnsZoneId: settings.dnsZoneId },
    tags: settings.tags,
  });
  const check = new RestoreCheckJob(
    "restore-check",
    {
      resourceGroupName: settings.resourceGroupName,
      location: settings.location,
      jobName: settings.jobName,
      environmentId: settings.environmentId,
      identityId: settings.identityId,
      keyVaultUri: settings.keyVaultUri,
      passwordSecretName: settings.passwordSecretName,
      host: restored.host,
      databaseName: settings.databaseName,
      administratorLogin: settings.administratorLogin,
      image: settings.checkImage,
      query: settings.checkQuery,
      tags: settings.tags,
    },
    { dependsOn: [restored] },
  );
  return {
    serverId: restored.serverId,
    serverName: restored.serverName,
    host: restored.host,
    state: restored.state,
    jobName: check.jobName,
    resourceGroupName: settings.resourceGroupName,
    pointInTimeUtc: settings.pointInTimeUtc,
    sourceServerId: settings.sourceServerId,
  };
}
