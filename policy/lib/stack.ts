/**
 * Plain helpers for stack policies that match resources with each other (a diagnostic setting and
 * what it configures, an alert rule and the action group it notifies). During preview, ids that
 * Azure assigns are unknown, so a reference is matched by the dependency Pulumi recorded for the
 * property first and by the ARM id second.
 */
import { PolicyResource } from "@pulumi/policy";

/** The ARM resource type path and name property of the types the policies match by id. */
const ARM_IDENTITY: Readonly<Record<string, { path: string; nameKey: string }>> = {
  "azure-native:dbforpostgresql:Server": {
    path: "microsoft.dbforpostgresql/flexibleservers",
    nameKey: "serverName",
  },
  "azure-native:keyvault:Vault": { path: "microsoft.keyvault/vaults", nameKey: "vaultName" },
  "azure-native:containerregistry:Registry": {
    path: "microsoft.containerregistry/registries",
    nameKey: "registryName",
  },
  "azure-native:operationalinsights:Workspace": {
    path: "microsoft.operationalinsights/workspaces",
    nameKey: "workspaceName",
  },
  "azure-native:monitor:ActionGroup": {
    path: "microsoft.insights/actiongroups",
    nameKey: "actionGroupName",
  },
};

/** Does the ARM id `id` name `target` (by its known id, or its type path and name)? */
export function idNames(id: unknown, target: PolicyResource): boolean {
  if (typeof id !== "string") {
    return false;
  }
  const lower = id.toLowerCase();
  if (typeof target.props.id === "string" && target.props.id.toLowerCase() === lower) {
    return true;
  }
  const identity = ARM_IDENTITY[target.type];
  const name: unknown = target.props.name ?? (identity && target.props[identity.nameKey]);
  return (
    identity !== undefined &&
    typeof name === "string" &&
    lower.endsWith(`/providers/${identity.path}/${name.toLowerCase()}`)
  );
}

/**
 * Does `resource`'s property `property` refer to `target`: by the dependencies Pulumi recorded for
 * it, else (none recorded, as in `pulumi policy analyze` of an old state) by one of the ARM ids
 * `ids()` returns? `ids` is called only without recorded dependencies: reading a value that is
 * unknown during preview makes the policy unable to run.
 */
export function refersTo(
  resource: PolicyResource,
  property: string,
  target: PolicyResource,
  ids: () => unknown[],
): boolean {
  // A recorded dependency says where the value comes from; its id is read only without one.
  const dependencies = resource.propertyDependencies[property] ?? [];
  if (dependencies.length > 0) {
    return dependencies.some((r) => r.urn === target.urn);
  }
  return ids().some((id) => idNames(id, target));
}
