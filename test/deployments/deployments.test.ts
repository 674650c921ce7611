import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** Resources the mocks saw: `type name -> inputs`. */
const created = new Map<string, Record<string, unknown>>();

const ROOT = path.resolve(__dirname, "..", "..");
const GUIDS = {
  dev: "00000000-0000-0000-0000-00000000000d",
  staging: "00000000-0000-0000-0000-00000000000s".replace("s", "5"),
  prod: "00000000-0000-0000-0000-00000000000f",
};
const TENANT = "11111111-1111-1111-1111-111111111111";
const SUBSCRIPTION = "22222222-2222-2222-2222-222222222222";
const azureFor = (stack: keyof typeof GUIDS) => ({
  clientId: GUIDS[stack],
  tenantId: TENANT,
  subscriptionId: SUBSCRIPTION,
});
const policyConfig = (stack: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", `${stack}.json`), "utf8"));

/** Waits for the mock engine to register everything created so far. */
const settle = () => new Promise((done) => setTimeout(done, 50));

describe("deployments program", () => {
  before(async () => {
    // given mocks and the deployments stack's config, when the program runs
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          created.set(`${args.type} ${args.name}`, args.inputs);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "chatbot-platform-deployments",
      "main",
      false,
    );
    pulumi.runtime.setAllConfig({
      "chatbot-platform-deployments:organization": "acme",
      "chatbot-platform-deployments:repository": "acme/chatbot-platform",
      "chatbot-platform-deployments:azure": JSON.stringify({
        dev: azureFor("dev"),
        staging: azureFor("staging"),
        prod: azureFor("prod"),
      }),
    });
    await import("../../deployments/index");
    await settle();
  });

  for (const [stack, deployCommits] of [
    ["dev", true],
    ["staging", true],
    ["prod", false],
  ] as const) {
    it(`configures ${stack}: main branch, ${deployCommits ? "deploys on merge" : "never deploys on push"}, no pull-request previews under its identity, OIDC, npm ci`, () => {
      // then
      assert.deepEqual(created.get(`pulumiservice:index:DeploymentSettings ${stack}-settings`), {
        organization: "acme",
        project: "chatbot-platform",
        stack,
        sourceContext: {
          git: {
            repoUrl: "https://github.com/acme/chatbot-platform.git",
            branch: "refs/heads/main",
            repoDir: ".",
          },
        },
        github: {
          repository: "acme/chatbot-platform",
          deployCommits,
          // Pull requests are previewed by pr.yml with read-only credentials: a Deployments
          // preview would run the pull request's code as the stack's deploying Azure app.
          previewPullRequests: false,
          pullRequestTemplate: false,
        },
        operationContext: {
          preRunCommands: ["npm ci --no-audit --no-fund"],
          options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
          environmentVariables: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
          oidc: { azure: azureFor(stack) },
        },
      });
    });
  }

  it("detects drift on staging and prod only, and remediates it on dev", () => {
    // then
    assert.deepEqual(
      ["dev", "staging", "prod"].map((stack) =>
        created.get(`pulumiservice:index:DriftSchedule ${stack}-drift`),
      ),
      [
        {
          organization: "acme",
          project: "chatbot-platform",
          stack: "dev",
          scheduleCron: "0 */6 * * *",
          autoRemediate: true,
        },
        {
          organization: "acme",
          project: "chatbot-platform",
          stack: "staging",
          scheduleCron: "0 */6 * * *",
          autoRemediate: false,
        },
        {
          organization: "acme",
          project: "chatbot-platform",
          stack: "prod",
          scheduleCron: "0 * * * *",
          autoRemediate: false,
        },
      ],
    );
  });

  it("enforces the policy pack on each stack with that stack's own policy config", () => {
    // then
    for (const stack of ["dev", "staging", "prod"]) {
      assert.deepEqual(created.get(`pulumiservice:index:PolicyGroup ${stack}-policy`), {
        name: `chatbot-platform-${stack}`,
        organizationName: "acme",
        entityType: "stacks",
        mode: "preventative",
        stacks: [{ name: stack, routingProject: "chatbot-platform" }],
        policyPacks: [
          { name: "chatbot-platform", versionTag: "0.1.0", config: policyConfig(stack) },
        ],
      });
    }
  });

  it("creates one component per stack and nothing else", () => {
    // then
    assert.deepEqual([...created.keys()].filter((k) => k.startsWith("chatbot:")).sort(), [
      "chatbot:deployments:StackDeployments dev",
      "chatbot:deployments:StackDeployments prod",
      "chatbot:deployments:StackDeployments staging",
    ]);
    assert.equal(created.size, 12);
  });
});

describe("deployments validation", () => {
  // Loaded lazily so the mocks above are set first.
  const load = async () => (await import("../../deployments/program")).buildDeployments;
  const valid = () => ({
    organization: "acme",
    repository: "acme/chatbot-platform",
    azure: { dev: azureFor("dev"), staging: azureFor("staging"), prod: azureFor("prod") },
    policyPackVersion: "0.1.0",
    policyConfig: { dev: {}, staging: {}, prod: {} },
  });

  it("fails when the organization is not a name", async () => {
    const build = await load();
    assert.throws(() => build({ ...valid(), organization: "a b" }), {
      message: '`organization` must be a Pulumi organization name, got "a b"',
    });
  });

  it("fails when the repository is not owner/name", async () => {
    const build = await load();
    assert.throws(() => build({ ...valid(), repository: "chatbot" }), {
      message: '`repository` must be owner/name, got "chatbot"',
    });
  });

  it("fails when a stack's Azure client id is missing", async () => {
    const build = await load();
    const settings = valid();
    assert.throws(
      () =>
        build({ ...settings, azure: { dev: settings.azure.dev, staging: settings.azure.staging } }),
      {
        message: "`azure.prod.clientId` must be a GUID, got undefined",
      },
    );
  });

  it("fails when a stack's policy config is missing", async () => {
    const build = await load();
    assert.throws(() => build({ ...valid(), policyConfig: { dev: {}, staging: {} } }), {
      message: "`policyConfig.prod` is missing: expected policy/config/prod.json",
    });
  });

  it("fails when the component gets a stack that is not the project's", async () => {
    const { StackDeployments } = await import("../../deployments/stackDeployments");
    assert.throws(
      () =>
        new StackDeployments("qa", {
          ...valid(),
          stack: "qa",
          azure: azureFor("dev"),
          policyConfig: {},
        }),
      { message: '`stack` must be one of dev, staging, prod, got "qa"' },
    );
  });
});
