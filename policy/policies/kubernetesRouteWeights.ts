import { ResourceValidationPolicy } from "@pulumi/policy";
import { HTTP_ROUTES, RELEASE_ANNOTATIONS, Slot, SLOTS } from "../lib/kubernetes";

interface RouteShape {
  metadata?: { annotations?: Record<string, string> };
  spec?: {
    rules?: {
      matches?: { headers?: unknown[] }[];
      backendRefs?: { name?: string; weight?: number }[];
    }[];
  };
}

/** Gateway API: a backendRef without `weight` weighs 1. */
const DEFAULT_WEIGHT = 1;

const split = (weights: Partial<Record<Slot, number>>): string =>
  SLOTS.filter((slot) => weights[slot] !== undefined)
    .map((slot) => `${slot}=${weights[slot]}`)
    .join(", ") || "none";

/**
 * The chatbot's HTTPRoute sends users where the release block says. Every rule's backend weights add
 * up to a positive total (when they are all 0 the gateway answers every matching request with an
 * error: https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref, `weight`), there is exactly
 * one default rule (no header match; the header rules reach one slot each), and its weights are
 * exactly the split the route's release annotations state: the live slot's Service (backendRef
 * name ending in `-<slot>`) gets 100 - canary-percent, the other slot's gets canary-percent, and
 * the live slot gets 100 while the other slot has no backend. The program and the release engine
 * write the annotations and the weights together (lib/kubernetes.ts `httpRoute`).
 */
export const kubernetesRouteWeights: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-route-weights",
  description:
    "HTTPRoute weights must sum to a positive total and the default rule must give exactly the live/canary split of its release annotations.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!HTTP_ROUTES.includes(args.type)) {
      return args.notApplicable(`Policy only applies to ${HTTP_ROUTES.join(", ")}`);
    }
    const route = args.props as RouteShape;
    const rules = route.spec?.rules ?? [];
    rules.forEach((rule, index) => {
      const refs = rule.backendRefs ?? [];
      const total = refs.reduce((sum, ref) => sum + (ref.weight ?? DEFAULT_WEIGHT), 0);
      if (refs.length > 0 && total <= 0) {
        reportViolation(`Rule ${index} weights sum to ${total}; a positive total is required.`);
      }
    });
    const defaults = rules.filter(
      (rule) => !(rule.matches ?? []).some((match) => (match.headers ?? []).length > 0),
    );
    if (defaults.length !== 1) {
      reportViolation(
        `The route has ${defaults.length} rules without a header match; exactly one default rule is required.`,
      );
      return;
    }
    const annotations = route.metadata?.annotations ?? {};
    const live = annotations[RELEASE_ANNOTATIONS.liveSlot];
    const canaryText = annotations[RELEASE_ANNOTATIONS.canaryPercent];
    const liveSlot = SLOTS.find((slot) => slot === live);
    if (liveSlot === undefined) {
      reportViolation(
        `Annotation ${RELEASE_ANNOTATIONS.liveSlot} is ${live === undefined ? "missing" : JSON.stringify(live)}; blue or green required.`,
      );
      return;
    }
    const canary = /^\d{1,3}$/.test(canaryText ?? "") ? Number(canaryText) : NaN;
    if (!(canary <= 100)) {
      reportViolation(
        `Annotation ${RELEASE_ANNOTATIONS.canaryPercent} is ${canaryText === undefined ? "missing" : JSON.stringify(canaryText)}; an integer from 0 to 100 required.`,
      );
      return;
    }
    const actual: Partial<Record<Slot, number>> = {};
    for (const ref of defaults[0].backendRefs ?? []) {
      const slot = SLOTS.find((candidate) => ref.name?.endsWith(`-${candidate}`));
      if (slot === undefined) {
        reportViolation(
          `Default rule backend "${ref.name ?? ""}" is not a slot's Service (a name ending in -blue or -green).`,
        );
        return;
      }
      actual[slot] = (actual[slot] ?? 0) + (ref.weight ?? DEFAULT_WEIGHT);
    }
    const other = SLOTS.find((slot) => slot !== liveSlot)!;
    const expected: Partial<Record<Slot, number>> =
      actual[other] === undefined && canary === 0
        ? { [liveSlot]: 100 }
        : { [liveSlot]: 100 - canary, [other]: canary };
    if (split(actual) !== split(expected)) {
      reportViolation(
        `Default rule weights ${split(actual)} differ from the split of the release annotations ` +
          `(live ${liveSlot}, canary ${canary}%): ${split(expected)}.`,
      );
    }
  },
};
