import * as assert from "assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { PolicyPackServer } from "../../scripts/lib/analyzer";
import { defaultOptions } from "../../scripts/lib/gate";
import { secret, UNKNOWN } from "../../scripts/lib/wire";
import { urnOf, withInputs } from "../fixtures/policy/stack";
import { PACK_DIR, packServer, sourcePackServer, violationsOf } from "./support";

const APP = urnOf("azure-native:app:ContainerApp", "app");

describe("Analyzer protocol (the real @pulumi/policy server)", () => {
  it("answers Handshake as unimplemented, as the CLI tolerates", async () => {
    // given the pack; when the CLI's first call arrives; then the server does not implement it
    assert.strictEqual(await (await packServer()).handshake(PACK_DIR), false);
  });

  it("describes the pack: its name, version and the chatbot-<service>-<rule> policies", async () => {
    // when GetAnalyzerInfo is called
    const info = await (await packServer()).getAnalyzerInfo();
    // then it names the pack from package.json and 37 policies that follow the naming rule
    assert.deepStrictEqual(
      [info.name, info.version, info.supportsConfig, info.policies.length],
      ["chatbot-platform", "0.1.0", true, 37],
    );
    assert.deepStrictEqual(
      info.policies.filter((p) => !/^chatbot-[a-z]+-[a-z-]+$/.test(p.name)),
      [],
    );
    assert.deepStrictEqual(
      info.policies.find((p) => p.name === "chatbot-containerapp-min-replicas")?.configSchema,
      {
        properties: {
          minReplicas: {
            type: "integer",
            minimum: 0,
            description: "Lowest allowed template.scale.minReplicas.",
            default: 1,
          },
        },
        required: [],
      },
    );
  });

  it("publishes the version it reports: PulumiPolicy.yaml's, equal to policy/package.json's", async () => {
    // given the two files that carry a version: `pulumi policy publish` takes PulumiPolicy.yaml's
    // when it is set (it overrides package.json's); the analyzer reports package.json's
    // https://www.pulumi.com/docs/insights/policy/policy-packs/project-file/
    const project = YAML.parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"));
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8"));

    // when the CLI asks the pack
    const info = await (await packServer()).getAnalyzerInfo();

    // then the published version, package.json's and the reported one are the same
    assert.deepStrictEqual([project.version, pkg.version], [info.version, info.version]);
  });

  it("reports the @pulumi/policy version as the plugin version", async () => {
    assert.strictEqual(await (await packServer()).getPluginVersion(), "1.21.0");
  });

  it("turns a check on an unknown value into an advisory 'can't run during preview'", async () => {
    // given an image that is unknown during preview (computed from another resource)
    const resources = withInputs("app", (inputs) => {
      const template = inputs.template as { containers: { image: string }[] };
      template.containers[0].image = UNKNOWN;
      return inputs;
    });
    // when the prod gate runs as a preview
    const violations = await violationsOf(resources, "prod");
    // then the pinning policy cannot run and says so, as advisory
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-containerapp-pinned-images",
        enforcementLevel: "advisory",
        urn: APP,
        message:
          "can't run policy 'chatbot-containerapp-pinned-images' from policy pack 'chatbot-platform@v0.1.0' " +
          "during preview: string value at .template.containers.0.image can't be known during preview",
      },
    ]);
  });

  it("unwraps secrets for the policies, so a secret plain-text value is still caught", async () => {
    // given an API key set as a (secret) plain value instead of a secretRef
    const resources = withInputs("app", (inputs) => {
      const template = inputs.template as { containers: { env: unknown[] }[] };
      template.containers[0].env.push({ name: "API_TOKEN", value: secret("t0ken") });
      return inputs;
    });
    // when the prod gate runs
    const violations = await violationsOf(resources, "prod");
    // then the policy sees the value and rejects it
    assert.deepStrictEqual(
      violations.map((v) => v.message),
      [
        "Container App environment variables with secret-looking names must use secretRef, not a plain-text value.\n" +
          'Container "chatbot" sets API_TOKEN as a plain-text value.',
      ],
    );
  });

  it("marks type-bound policies not applicable to other types", async () => {
    // given a registry resource; when Analyze is called directly
    const server = await packServer();
    await server.configure({});
    const diagnostics = await server.analyze({
      urn: urnOf("azure-native:containerregistry:Registry", "acr"),
      type: "azure-native:containerregistry:Registry",
      name: "acr",
      properties: { adminUserEnabled: false, tags: { environment: "x", service: "y", owner: "z" } },
      options: { ...defaultOptions(), customTimeouts: { create: 600, update: 0, delete: 0 } },
    });
    // then no diagnostics come back
    assert.deepStrictEqual(diagnostics, []);
  });

  it("runs from its TypeScript sources as `pulumi preview --policy-pack policy` does, with the compiled copy's policies and verdicts", async () => {
    // given the pack started from its sources (ts-node, as the Pulumi CLI runs it) and the
    // compiled copy the other tests share (what npm run plan starts), and a stack that breaks a
    // mandatory policy
    const [source, compiled] = [sourcePackServer(), packServer()];
    const resources = withInputs("app", (inputs) => {
      const template = inputs.template as { containers: { env: unknown[] }[] };
      template.containers[0].env.push({ name: "API_TOKEN", value: "t0ken" });
      return inputs;
    });
    // when the CLI's calls reach both; then they describe the same pack and judge alike
    assert.strictEqual(await (await source).handshake(PACK_DIR), false);
    assert.deepStrictEqual(
      await (await source).getAnalyzerInfo(),
      await (await compiled).getAnalyzerInfo(),
    );
    const fromSource = await violationsOf(resources, "prod", source);
    assert.deepStrictEqual(
      fromSource.map((v) => v.policy),
      ["chatbot-containerapp-no-plaintext-secrets"],
    );
    assert.deepStrictEqual(fromSource, await violationsOf(resources, "prod", compiled));
  });

  it("fails to start with the pack's error output when the directory is not a pack", async () => {
    // given a directory without a policy pack; when it is started
    await assert.rejects(
      PolicyPackServer.start({ packDir: __dirname, startTimeoutMs: 30000 }),
      (error: Error) => error.message.startsWith(`policy pack in ${__dirname} exited (`),
    );
  });
});
