/**
 * The pack's policies, in report order. The PolicyPack itself is built only in ../index.ts:
 * constructing it starts the analyzer server.
 */
import { Policies } from "@pulumi/policy";
import { appInsightsSecretOutputs } from "./appInsightsSecretOutputs";
import { containerAppHealthProbes } from "./containerAppHealthProbes";
import { containerAppHttpsOnly } from "./containerAppHttpsOnly";
import { containerAppKeyVaultSecrets } from "./containerAppKeyVaultSecrets";
import { containerAppMinReplicas } from "./containerAppMinReplicas";
import { containerAppMultipleRevisions } from "./containerAppMultipleRevisions";
import { containerAppNoPlaintextSecrets } from "./containerAppNoPlaintextSecrets";
import { containerAppPinnedImages } from "./containerAppPinnedImages";
import { containerAppTrafficLabels } from "./containerAppTrafficLabels";
import { containerAppTrafficTotal } from "./containerAppTrafficTotal";
import { containerAppUserAssignedIdentity } from "./containerAppUserAssignedIdentity";
import { keyVaultPrivateNetwork } from "./keyVaultPrivateNetwork";
import { keyVaultPurgeProtection } from "./keyVaultPurgeProtection";
import { keyVaultRbac } from "./keyVaultRbac";
import { kubernetesDisruptionBudget } from "./kubernetesDisruptionBudget";
import { kubernetesHealthProbes } from "./kubernetesHealthProbes";
import { kubernetesNonRoot } from "./kubernetesNonRoot";
import { kubernetesPinnedImages } from "./kubernetesPinnedImages";
import { kubernetesReadOnlyRoot } from "./kubernetesReadOnlyRoot";
import { kubernetesResources } from "./kubernetesResources";
import { kubernetesRouteWeights } from "./kubernetesRouteWeights";
import { kubernetesTopologySpread } from "./kubernetesTopologySpread";
import { postgresBackupRetention } from "./postgresBackupRetention";
import { postgresGeoRedundantBackup } from "./postgresGeoRedundantBackup";
import { postgresNoAzureServicesRule } from "./postgresNoAzureServicesRule";
import { postgresPrivateNetwork } from "./postgresPrivateNetwork";
import { postgresSupportedVersion } from "./postgresSupportedVersion";
import { postgresZoneRedundantHa } from "./postgresZoneRedundantHa";
import { registryAdminDisabled } from "./registryAdminDisabled";
import { stackBudget } from "./stackBudget";
import { stackCostCeiling } from "./stackCostCeiling";
import { stackDiagnosticSettings } from "./stackDiagnosticSettings";
import { stackKeyVaultAuditLogs } from "./stackKeyVaultAuditLogs";
import { stackLogAnalytics } from "./stackLogAnalytics";
import { stackProtectStateful } from "./stackProtectStateful";
import { stackSloAlerting } from "./stackSloAlerting";
import { tagsRequired } from "./tagsRequired";

export const policies: Policies = [
  containerAppHttpsOnly,
  containerAppNoPlaintextSecrets,
  containerAppKeyVaultSecrets,
  containerAppPinnedImages,
  containerAppMultipleRevisions,
  containerAppTrafficTotal,
  containerAppTrafficLabels,
  containerAppHealthProbes,
  containerAppUserAssignedIdentity,
  containerAppMinReplicas,
  keyVaultRbac,
  keyVaultPurgeProtection,
  keyVaultPrivateNetwork,
  postgresZoneRedundantHa,
  postgresGeoRedundantBackup,
  postgresBackupRetention,
  postgresPrivateNetwork,
  postgresNoAzureServicesRule,
  postgresSupportedVersion,
  kubernetesResources,
  kubernetesHealthProbes,
  kubernetesPinnedImages,
  kubernetesNonRoot,
  kubernetesReadOnlyRoot,
  kubernetesTopologySpread,
  kubernetesDisruptionBudget,
  kubernetesRouteWeights,
  registryAdminDisabled,
  appInsightsSecretOutputs,
  tagsRequired,
  stackProtectStateful,
  stackLogAnalytics,
  stackKeyVaultAuditLogs,
  stackDiagnosticSettings,
  stackSloAlerting,
  stackBudget,
  stackCostCeiling,
];
