/**
 * The JSON Schema editors check a stack file (`Pulumi.<stack>.yaml`) with, generated from the config
 * schema (`lib/config/schema.ts`). A development tool: the program does not use it. `npm run schema`
 * rewrites `schema/stack-config.schema.json`; a test fails while the committed file is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { PROJECT } from "../lib/config/messages";
import { configShape, PROVIDER_NAMESPACES } from "../lib/config/schema";

/** The JSON Schema of a stack file: `config:` holds `chatbot-platform:<key>` and provider keys. */
export function stackConfigJsonSchema(): Record<string, unknown> {
  const { properties, required } = z.toJSONSchema(z.strictObject(configShape), {
    io: "input",
    unrepresentable: "any",
  });
  const namespaced = (key: string) => `${PROJECT}:${key}`;
  const config = {
    type: "object",
    properties: Object.fromEntries(
      Object.entries(properties ?? {}).map(([key, value]) => [namespaced(key), value]),
    ),
    required: (required ?? []).map(namespaced),
    patternProperties: { [`^(${PROVIDER_NAMESPACES.join("|")}):`]: {} },
    additionalProperties: false,
  };
  const title = `Pulumi.<stack>.yaml of ${PROJECT} (generated from lib/config/schema.ts: npm run schema)`;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title,
    type: "object",
    properties: { config },
  };
}

/** The committed schema file and its text, formatted as prettier formats it. */
export async function stackConfigJsonSchemaFile(): Promise<{ file: string; text: string }> {
  const prettier = await import("prettier");
  const file = path.join(__dirname, "..", "schema", "stack-config.schema.json");
  const options = { ...(await prettier.resolveConfig(file)), parser: "json" };
  return { file, text: await prettier.format(JSON.stringify(stackConfigJsonSchema()), options) };
}

if (require.main === module) {
  void stackConfigJsonSchemaFile().then(({ file, text }) => fs.writeFileSync(file, text));
}
