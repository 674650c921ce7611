import { StackValidationPolicy } from "@pulumi/policy";
import { estimateMonthlyCost } from "../lib/cost/estimate";

interface Config {
  monthlyCostCeilingUsd: number;
}

/**
 * The stack's estimated monthly cost (policy/lib/cost: the price table and the usage assumptions
 * of the stack's `environment` tag, the same estimate `npm run plan` prints) stays under the
 * ceiling its policy config sets.
 */
export const stackCostCeiling: StackValidationPolicy = {
  name: "chatbot-stack-cost-ceiling",
  description: "The stack's estimated monthly cost must stay under the configured ceiling.",
  configSchema: {
    properties: {
      monthlyCostCeilingUsd: {
        type: "number",
        minimum: 0,
        description: "Highest allowed estimated monthly cost of the stack, in USD.",
        default: 3000,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const { monthlyCostCeilingUsd } = args.getConfig<Config>();
    const estimate = estimateMonthlyCost(
      args.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.props })),
    );
    if (estimate.monthlyUsd > monthlyCostCeilingUsd) {
      const top = estimate.items
        .slice(0, 3)
        .map((item) => `${item.name} $${item.monthlyUsd.toFixed(2)}`)
        .join(", ");
      reportViolation(
        `Estimated $${estimate.monthlyUsd.toFixed(2)} per month (usage of ${estimate.environment}, prices of ${estimate.priceTableDate}) exceeds the ceiling of $${monthlyCostCeilingUsd.toFixed(2)}; largest: ${top}.`,
      );
    }
  },
};
