import * as assert from "assert";
import { UNKNOWN } from "../../scripts/lib/wire";
import { urnOf, withInputs, compliantStack } from "../fixtures/policy/stack";
import { environmentConfig, violationsOf } from "./support";

const APP = urnOf("azure-native:app:ContainerApp", "app");

interface ContainerApp {
  identity: { type: string; userAssignedIdentities: string[] };
  configuration: {
    activeRevisionsMode?: string;
    ingress: {
      allowInsecure: boolean;
      traffic: {
        revisionName?: string;
        label?: string;
        weight: number;
        latestRevision?: boolean;
      }[];
    };
    secrets: Record<string, unknown>[];
  };
  template: {
    containers: {
      image: string;
      env: Record<string, unknown>[];
      probes: { type: string }[];
    }[];
    scale: { minReplicas: number };
  };
}

/** The compliant stack with the Container App's inputs changed by `change`. */
function appWith(change: (app: ContainerApp) => void) {
  return withInputs("app", (inputs) => {
    change(inputs as unknown as ContainerApp);
    return inputs;
  });
}

interface Case {
  title: string;
  environment?: string;
  change: (app: ContainerApp) => void;
  policy: string;
  message: string;
}

const cases: Case[] = [
  {
    title: "fails when ingress allows plain HTTP",
    change: (app) => (app.configuration.ingress.allowInsecure = true),
    policy: "chatbot-containerapp-https-only",
    message:
      "Container App ingress must accept HTTPS only (allowInsecure must not be true).\n" +
      "configuration.ingress.allowInsecure is true.",
  },
  {
    title: "fails when a secret-looking variable has a plain-text value",
    change: (app) =>
      app.template.containers[0].env.push({ name: "OPENAI_API_KEY", value: "sk-123" }),
    policy: "chatbot-containerapp-no-plaintext-secrets",
    message:
      "Container App environment variables with secret-looking names must use secretRef, not a plain-text value.\n" +
      'Container "chatbot" sets OPENAI_API_KEY as a plain-text value.',
  },
  {
    title: "fails when DATABASE_URL is a plain-text value",
    change: (app) =>
      (app.template.containers[0].env[0] = { name: "DATABASE_URL", value: "postgres://x" }),
    policy: "chatbot-containerapp-no-plaintext-secrets",
    message:
      "Container App environment variables with secret-looking names must use secretRef, not a plain-text value.\n" +
      'Container "chatbot" sets DATABASE_URL as a plain-text value.',
  },
  {
    title: "fails when an app secret is an inline value",
    change: (app) =>
      (app.configuration.secrets[0] = { name: "database-url", value: "postgres://x" }),
    policy: "chatbot-containerapp-keyvault-secrets",
    message:
      "Container App secrets must be Key Vault references (keyVaultUrl and identity) rather than inline values.\n" +
      'Secret "database-url" is not a Key Vault reference.',
  },
  {
    title: "fails when an image uses the latest tag",
    environment: "staging",
    change: (app) => (app.template.containers[0].image = "acrchatbot.azurecr.io/chatbot:latest"),
    policy: "chatbot-containerapp-pinned-images",
    message:
      "Container App images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.\n" +
      'Container "chatbot" image "acrchatbot.azurecr.io/chatbot:latest" is not pinned.',
  },
  {
    title: "fails when an image has no tag",
    environment: "staging",
    change: (app) => (app.template.containers[0].image = "acrchatbot.azurecr.io:5000/chatbot"),
    policy: "chatbot-containerapp-pinned-images",
    message:
      "Container App images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.\n" +
      'Container "chatbot" image "acrchatbot.azurecr.io:5000/chatbot" is not pinned.',
  },
  {
    title: "fails when prod (requireDigest) gets a tag without a digest",
    change: (app) => (app.template.containers[0].image = "acrchatbot.azurecr.io/chatbot:1.4.2"),
    policy: "chatbot-containerapp-pinned-images",
    message:
      "Container App images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.\n" +
      'Container "chatbot" image "acrchatbot.azurecr.io/chatbot:1.4.2" has no sha256 digest.',
  },
  {
    title: "fails when the revision mode is Single",
    change: (app) => (app.configuration.activeRevisionsMode = "Single"),
    policy: "chatbot-containerapp-multiple-revisions",
    message:
      "Container Apps must run in Multiple revision mode so blue/green traffic splitting works.\n" +
      'activeRevisionsMode is "Single".',
  },
  {
    title: "fails when the revision mode is not set",
    change: (app) => delete app.configuration.activeRevisionsMode,
    policy: "chatbot-containerapp-multiple-revisions",
    message:
      "Container Apps must run in Multiple revision mode so blue/green traffic splitting works.\n" +
      "activeRevisionsMode is not set.",
  },
  {
    title: "fails when traffic weights do not sum to 100",
    change: (app) => (app.configuration.ingress.traffic[1].weight = 20),
    policy: "chatbot-containerapp-traffic-total",
    message:
      "Container App ingress traffic weights must be listed and sum to exactly 100.\nThe weights sum to 120.",
  },
  {
    title: "fails when no traffic is listed",
    change: (app) => (app.configuration.ingress.traffic = []),
    policy: "chatbot-containerapp-traffic-total",
    message:
      "Container App ingress traffic weights must be listed and sum to exactly 100.\n" +
      "configuration.ingress.traffic is empty.",
  },
  {
    title: "fails when traffic goes to an unlabelled revision",
    change: (app) => delete app.configuration.ingress.traffic[0].label,
    policy: "chatbot-containerapp-traffic-labels",
    message:
      "Container App traffic entries must each name a revision and carry a label.\n" +
      "Traffic entry 0 (ca-chatbot-prod--blue-1a2b3c, weight 100) has no label.",
  },
  {
    title: "fails when a traffic entry names no revision",
    change: (app) => delete app.configuration.ingress.traffic[1].revisionName,
    policy: "chatbot-containerapp-traffic-labels",
    message:
      "Container App traffic entries must each name a revision and carry a label.\n" +
      "Traffic entry 1 (no revision, weight 0) has no revision.",
  },
  {
    title: "fails when a container has no readiness probe",
    change: (app) => (app.template.containers[0].probes = [{ type: "Liveness" }]),
    policy: "chatbot-containerapp-health-probes",
    message:
      "Container App containers must declare liveness and readiness probes.\n" +
      'Container "chatbot" has no Readiness probe.',
  },
  {
    title: "fails when a container has no probes at all",
    change: (app) => (app.template.containers[0].probes = []),
    policy: "chatbot-containerapp-health-probes",
    message:
      "Container App containers must declare liveness and readiness probes.\n" +
      'Container "chatbot" has no Liveness, Readiness probe.',
  },
  {
    title: "fails when the app has only a system-assigned identity",
    change: (app) => (app.identity = { type: "SystemAssigned", userAssignedIdentities: [] }),
    policy: "chatbot-containerapp-user-assigned-identity",
    message:
      "Container Apps must use at least one user-assigned managed identity.\n" +
      'identity.type is "SystemAssigned" with 0 user-assigned identities.',
  },
  {
    title: "fails when prod keeps fewer replicas than its minimum",
    change: (app) => (app.template.scale.minReplicas = 1),
    policy: "chatbot-containerapp-min-replicas",
    message:
      "Container Apps must keep at least the configured minimum number of replicas.\n" +
      "template.scale.minReplicas is 1; at least 2 required.",
  },
];

describe("Container App policies (through the analyzer)", () => {
  it("passes a compliant Container App in every environment", async () => {
    // given the compliant stack; when each environment's gate runs; then nothing is reported
    for (const environment of ["dev", "staging", "prod"]) {
      assert.deepStrictEqual(await violationsOf(compliantStack(), environment), [], environment);
    }
  });

  for (const c of cases) {
    it(c.title, async () => {
      // given the compliant stack with one Container App property changed
      const resources = appWith(c.change);
      // when the gate runs with the environment's config
      const violations = await violationsOf(resources, c.environment ?? "prod");
      // then exactly that policy reports the app
      assert.deepStrictEqual(violations, [
        { policy: c.policy, enforcementLevel: "mandatory", urn: APP, message: c.message },
      ]);
    });
  }

  it("decides Key Vault references during preview, when their URL and identity are unknown", async () => {
    // given a first preview: the vault URL and the identity id are outputs not yet known
    const resources = appWith((app) => {
      app.configuration.secrets[0].keyVaultUrl = UNKNOWN;
      app.configuration.secrets[0].identity = UNKNOWN;
    });
    // when the prod gate runs as a preview; then the references pass (no "can't run" advisory)
    assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
  });

  it("fails during preview when a secret-looking variable's plain value is still unknown", async () => {
    // given a connection string set as a plain value computed from another resource
    const resources = appWith((app) =>
      app.template.containers[0].env.push({
        name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
        value: UNKNOWN,
      }),
    );
    // when the prod gate runs as a preview
    const violations = await violationsOf(resources, "prod");
    // then it is refused as mandatory, not downgraded to "can't run during preview"
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-containerapp-no-plaintext-secrets",
        enforcementLevel: "mandatory",
        urn: APP,
        message:
          "Container App environment variables with secret-looking names must use secretRef, not a plain-text value.\n" +
          'Container "chatbot" sets APPLICATIONINSIGHTS_CONNECTION_STRING as a plain-text value.',
      },
    ]);
  });

  it("fails during preview when an app secret is an inline value that is still unknown", async () => {
    // given an app secret whose inline value comes from another resource's output
    const resources = appWith(
      (app) => (app.configuration.secrets[0] = { name: "database-url", value: UNKNOWN }),
    );
    // when the prod gate runs as a preview; then it is refused as mandatory
    assert.deepStrictEqual(await violationsOf(resources, "prod"), [
      {
        policy: "chatbot-containerapp-keyvault-secrets",
        enforcementLevel: "mandatory",
        urn: APP,
        message:
          "Container App secrets must be Key Vault references (keyVaultUrl and identity) rather than inline values.\n" +
          'Secret "database-url" is not a Key Vault reference.',
      },
    ]);
  });

  it("accepts a tagged image in staging, where no digest is required", async () => {
    // given a tag-pinned image
    const resources = appWith(
      (app) => (app.template.containers[0].image = "acr.azurecr.io/chatbot:1.4.2"),
    );
    // when the staging gate runs; then it passes
    assert.deepStrictEqual(await violationsOf(resources, "staging"), []);
  });

  it("accepts secret-looking names listed in allowedNames", async () => {
    // given a plain variable whose name matches the pattern, and a config that allows that name
    const resources = appWith((app) =>
      app.template.containers[0].env.push({ name: "KEY_VAULT_URI", value: "https://kv" }),
    );
    const config = {
      ...environmentConfig("prod"),
      "chatbot-containerapp-no-plaintext-secrets": {
        properties: { allowedNames: ["KEY_VAULT_URI"] },
      },
    };
    // when the gate runs with that config; then it passes
    assert.deepStrictEqual(await violationsOf(resources, config), []);
  });

  it("lets dev scale to zero and run a tagged image", async () => {
    // given no minimum replica and a tag instead of a digest (both fine in dev, refused in prod)
    const resources = appWith((app) => {
      app.template.scale.minReplicas = 0;
      app.template.containers[0].image = "acr.azurecr.io/chatbot:1.4.2";
    });
    // when the dev and prod gates run
    const dev = await violationsOf(resources, "dev");
    const prod = await violationsOf(resources, "prod");
    // then dev reports nothing and prod rejects both
    assert.deepStrictEqual(dev, []);
    assert.deepStrictEqual(
      prod.map((violation) => [violation.policy, violation.enforcementLevel]),
      [
        ["chatbot-containerapp-pinned-images", "mandatory"],
        ["chatbot-containerapp-min-replicas", "mandatory"],
      ],
    );
  });
});
