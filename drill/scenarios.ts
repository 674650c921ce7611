/**
 * The built-in release drill: one scenario per way a release used to break on real Azure. Each
 * says (`before`) what the release engine did before this design; `npm run drill` and `npm test`
 * run them all against the model of Azure.
 */
import { Scenario, ScenarioStep } from "./scenario";

const IMAGE = (version: string) => `chatbotregistry.azurecr.io/chatbot-api:${version}`;
const DIGEST = (hex: string) => `chatbotregistry.azurecr.io/chatbot-api@sha256:${hex.repeat(64)}`;

/** `pulumi up` of the committed stack file: the stack as a new user creates it (blue 1.4.2 live). */
const CREATE: ScenarioStep = { up: {}, expect: { exit: 0 } };
const DEPLOY = (version: string, extra = ""): ScenarioStep => ({
  release: `deploy --version ${version} --image ${IMAGE(version)}${extra}`,
  expect: { exit: 0 },
});
/**
 * A promotion as a scenario's setup: at once, without the post-promotion watch (the `watch-*`
 * scenarios show the watch; skipping it here keeps the drill quick).
 */
const PROMOTE_NOW: ScenarioStep = {
  release: "promote --steps 100 --no-watch",
  expect: { exit: 0 },
};
const CANARY = "promote --steps 10,100 --pause 4m";
/**
 * Every traffic write refused (409): the Container App's PATCH (ARM) and the HTTPRoute's PUT (AKS);
 * each target's model sees only its own requests.
 */
const TRAFFIC_WRITES_REFUSED: ScenarioStep["faults"] = [
  {
    method: "PATCH",
    path: "/containerApps/[^/]+$",
    status: 409,
    code: "ContainerAppOperationInProgress",
    message: "another operation is in progress",
    times: 1000,
  },
  {
    method: "PUT",
    path: "/httproutes/chatbot-api$",
    status: 409,
    code: "Conflict",
    message: "the object has been modified",
    times: 1000,
  },
];
/**
 * A canary left at `step`% (exit 5): green 1.5.0 fails its gate there, and every write that would
 * put traffic back is refused.
 */
const CANARY_LEFT_AT = (step: number): ScenarioStep => ({
  release: `promote --steps ${step},100 --pause 4m`,
  during: {
    after: `step ${step}%`,
    do: [{ images: { [IMAGE("1.5.0")]: { errorRate: 0.5 } }, faults: TRAFFIC_WRITES_REFUSED }],
  },
  expect: { exit: 5, output: "putting traffic back failed" },
});
/** Long enough for a trailing window to fill after the ingestion lag. */
const WATCHED_CANARY = "promote --steps 10,100 --pause 8m";

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "config-change-without-version",
    title: "an app setting changed without a release never moves live traffic",
    before:
      "the revision suffix came from the version alone: the merge deploy sent the live revision's suffix again with a new template, Azure refused it, and every later up, promote and rollback failed the same way",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      PROMOTE_NOW,
      { config: { "app.settings.LOG_LEVEL": "WARN" } },
      { up: {}, expect: { exit: 3, output: "changes the revision template of slot green" } },
      {
        release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
        expect: { exit: 0, output: "verified at 0% traffic" },
      },
    ],
    expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
  },
  {
    id: "stale-stack-file-merge-deploy",
    title: "a merge deploy of a stack file older than the deployed release is refused",
    before:
      "the release state was read from the git stack file only: a merge of a branch cut before the promotion sent all traffic back to the old version",
    steps: [
      CREATE,
      { snapshot: "branch" },
      DEPLOY("1.5.0"),
      PROMOTE_NOW,
      { restore: "branch" },
      { up: {}, expect: { exit: 3, output: "is behind what is deployed" } },
    ],
    expect: { traffic: { blue: 0, green: 100 }, activeRevisions: 2 },
  },
  {
    id: "hand-edited-live-slot",
    title:
      "a stack file whose live slot was flipped by hand is refused by pulumi up; putting the block back applies",
    before:
      "the guard compared generations only: a one-word edit of `live` (merged, then applied by the merge deployment) sent all traffic to a slot whose deploy had failed its checks",
    images: { [IMAGE("1.5.0")]: { healthy: false } },
    steps: [
      CREATE,
      { release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`, expect: { exit: 1 } },
      { config: { "release.live": "green" } },
      {
        up: {},
        expect: { exit: 3, output: "the block was edited without the release command" },
      },
      { config: { "release.live": "blue" } },
      { up: {}, expect: { exit: 0 } },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "drift-run-during-canary",
    title: "a drift-remediation run during a canary is refused and the canary goes on",
    before:
      "a scheduled drift run applied main's stack file mid-canary: the canary's traffic vanished and the promotion went on judging a revision without traffic",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      { snapshot: "main" },
      {
        release: CANARY,
        during: {
          after: "step 10%",
          do: [{ up: { file: "main" }, expect: { exit: 3, output: "is behind what is deployed" } }],
        },
        expect: { exit: 0, output: "promoted green" },
      },
    ],
    expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
  },
  {
    id: "state-push-back-fails",
    title:
      "after a failed push-back of the stack file, the next merge deploy is refused until the file is current",
    before:
      "the workflow's commit of the stack file failed silently; the next merge deploy reapplied the old release block and overwrote the live slot",
    steps: [
      CREATE,
      { snapshot: "main" },
      DEPLOY("1.5.0"),
      PROMOTE_NOW,
      { snapshot: "release-run" },
      { restore: "main" },
      { up: {}, expect: { exit: 3, output: "Bring the stack file up to date" } },
      {
        release: "status",
        expect: { exit: 0, output: "warning: Pulumi.staging.yaml is behind what is deployed" },
      },
      { restore: "release-run" },
      { up: {}, expect: { exit: 0 } },
    ],
    expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
  },
  {
    id: "exception-mid-canary",
    title: "an Azure error in the middle of a canary puts traffic back (exit 4)",
    before:
      "only a failed check rolled back: a failed telemetry query threw, left 10% on the candidate, exited 1 and the workflow committed the canary state",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: CANARY,
        faults: [
          {
            method: "POST",
            path: "/query$",
            status: 500,
            code: "InternalServerError",
            message: "the query service failed",
            times: 1000,
          },
        ],
        expect: { exit: 4, output: "rolled back automatically" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "cancelled-mid-canary",
    title: "a cancelled job (SIGTERM) in the middle of a canary puts traffic back (exit 4)",
    before: "a cancelled CI job killed the command with 10% of traffic on an unverified canary",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: CANARY,
        during: { after: "step 10%", do: [{ signal: "SIGTERM" }] },
        expect: { exit: 4, output: "interrupted (Error: SIGTERM)" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "zero-requests-window",
    title: "a canary that receives no requests is inconclusive and never passes",
    before: "the error budget passed with 0 requests: 0 errors of 0 is 0%",
    model: { userRequestsPerMinute: 0 },
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      { release: CANARY, expect: { exit: 1, output: "inconclusive" } },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "revision-prefix-collision",
    title:
      "the gates count only the candidate's own requests, not a revision whose name starts the same",
    before:
      "`cloud_RoleInstance startswith 'app--v1-1'` also matched v1-10's healthy requests, so a failing 1.1 passed",
    images: { [IMAGE("1.1")]: { errorRate: 0.08 } },
    steps: [
      { config: { "release.blue": { version: "1.10", image: IMAGE("1.10") } } },
      CREATE,
      DEPLOY("1.1"),
      { release: CANARY, expect: { exit: 1, output: "error rate" } },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "error-rate-trigger",
    title: "an error rate above 5% over 2 minutes rolls the canary back",
    before: "the error budget compared an average over the step only at its end",
    images: { [IMAGE("1.5.0")]: { errorRate: 0.08 } },
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: WATCHED_CANARY,
        expect: { exit: 1, output: "rollback trigger: error rate" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "p95-trigger",
    title: "a p95 latency above 2 s over 5 minutes rolls the canary back",
    before: "latency was an average (the SLO is p95): a slow tail passed",
    images: { [IMAGE("1.5.0")]: { p95Ms: 2600 } },
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: WATCHED_CANARY,
        expect: { exit: 1, output: "rollback trigger: p95 latency" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "health-check-failures",
    title: "more than 3 consecutive failed health checks roll the canary back",
    before: "health checks probed the label only between steps",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: CANARY,
        during: { after: "step 10%", do: [{ images: { [IMAGE("1.5.0")]: { healthy: false } } }] },
        expect: { exit: 1, output: "health check failed 4 times in a row" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
  },
  {
    id: "rollback-to-inactive-revision",
    title: "rollback activates a deactivated revision and waits for it before it gets traffic",
    before:
      "rollback sent 100% to the previous revision without checking it: Azure accepts traffic to an inactive revision, and production went down",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      PROMOTE_NOW,
      { deactivate: "blue" },
      { release: "rollback", expect: { exit: 0, output: "is inactive: activating it" } },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "superseded-revisions-deactivated",
    title: "after each release, revisions in neither slot are deactivated: at most two stay active",
    before:
      "every superseded revision stayed active in Multiple mode, each with its minimum replicas",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      PROMOTE_NOW,
      DEPLOY("1.6.0"),
      PROMOTE_NOW,
      DEPLOY("1.7.0"),
      PROMOTE_NOW,
    ],
    expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
  },
  {
    id: "canary-reset-on-deploy",
    title: "deploy resets a leftover canary share: the new version lands at 0%",
    before:
      "deploy kept `canaryPercent`: the new, unverified version got the old canary's share at once",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      CANARY_LEFT_AT(20),
      {
        release: `deploy --version 1.6.0 --image ${IMAGE("1.6.0")}`,
        expect: { exit: 0, output: "the canary of green (20%) ends" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "failed-deploy-then-redeploy",
    title:
      "a failed deploy is visible in status and the same version deploys again under a new suffix",
    before:
      "a deploy whose update failed after Azure created the revision burned the version's suffix unnoticed; deploying the same version again was refused by Azure",
    steps: [
      CREATE,
      {
        release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
        // The update is applied and its answer lost: the Container App's PUT (ARM), the slot
        // Deployment's server-side apply (AKS). Each target's model sees only its own requests.
        faults: [
          { method: "PUT", path: "/containerApps/[^/]+$", drop: true, times: 5 },
          { method: "PATCH", path: "/deployments/chatbot-api-green$", drop: true },
        ],
        expect: { exit: 4, output: "is in green at 0%, not verified" },
      },
      { up: {}, expect: { exit: 0 } },
      { release: "status", expect: { exit: 0, output: "holds a candidate that is not verified" } },
      {
        release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
        expect: { exit: 0, output: "verified at 0% traffic" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "concurrent-releases",
    title: "releases on different stacks run in parallel; a second release on one stack is refused",
    before: "one concurrency group for every stack let a pending release be cancelled by another",
    stacks: ["staging", "prod"],
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      { stack: "prod", up: {}, expect: { exit: 0 } },
      {
        stack: "prod",
        release: `deploy --version 1.5.0 --image ${DIGEST("b")}`,
        expect: { exit: 0 },
      },
      {
        parallel: [
          {
            release: CANARY,
            during: {
              after: "step 10%",
              do: [{ release: "promote", expect: { exit: 3, output: "another release holds" } }],
            },
            expect: { exit: 0 },
          },
          { stack: "prod", release: CANARY, expect: { exit: 0 } },
        ],
      },
    ],
    expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
  },
  {
    id: "scale-to-zero-wake",
    title: "verification wakes a scaled-to-zero revision and allows for its cold start",
    before: "three smoke attempts 10 s apart gave up on dev's scaled-to-zero revision",
    stacks: ["dev"],
    model: { coldStartMs: 45_000 },
    steps: [
      CREATE,
      {
        release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
        expect: { exit: 0, output: "waking up" },
      },
    ],
    expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
  },
  {
    id: "role-assignment-delay",
    title: "the first deploy waits for the identity's role assignments to take effect",
    before:
      "the first revision could not pull its image or read Key Vault until the role assignments propagated, and the deploy failed its readiness check",
    model: { roleAssignmentsAfterMs: 300_000 },
    steps: [
      {
        release: `deploy --version 1.4.2 --image ${IMAGE("1.4.2")}`,
        expect: { exit: 0, output: "role assignments take minutes" },
      },
    ],
    expect: { traffic: { blue: 100 }, live: "blue", activeRevisions: 1 },
  },
  {
    id: "watch-passes",
    title:
      "after 100%, staging's 5-minute post-promotion watch judges the new live revision and keeps it",
    before:
      "the promotion ended at 100%: nothing watched the new version under full load, and a failure then waited for a person",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      { release: CANARY, expect: { exit: 0, output: "post-promotion watch passed" } },
    ],
    expect: {
      traffic: { blue: 0, green: 100 },
      live: "green",
      activeRevisions: 2,
      notifications: ["deploy", "promote-step 10", "promote-step 100", "promoted"],
    },
  },
  {
    id: "watch-trigger-after-promotion",
    title:
      "a version that passed its canary and fails at 100% is rolled back by the post-promotion watch (exit 1)",
    before:
      "errors that appeared only under full load (after the last step) stayed live until someone noticed and rolled back by hand",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: CANARY,
        during: {
          after: "watching green (1.5.0, ",
          do: [{ images: { [IMAGE("1.5.0")]: { errorRate: 0.08 } } }],
        },
        expect: { exit: 1, output: "post-promotion watch: rollback trigger: error rate" },
      },
    ],
    expect: {
      traffic: { blue: 100, green: 0 },
      live: "blue",
      activeRevisions: 2,
      notifications: ["deploy", "promote-step 10", "promote-step 100", "rollback", "failure"],
    },
  },
  {
    id: "undo-refused-then-recorded",
    title:
      "when putting traffic back keeps failing (exit 5), the way out the engine prints ends with the previous version live and recorded; a later pulumi up keeps it",
    before:
      "exit 5 offered setting traffic by hand as an alternative to the rollback command: the stack file still said the failed version was live, and the next pulumi up or merge deployment put it back at 100%",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: CANARY,
        during: {
          after: "watching green (1.5.0, ",
          do: [
            {
              images: { [IMAGE("1.5.0")]: { errorRate: 0.2 } },
              // Every traffic write is refused from here to the end of the promotion.
              faults: TRAFFIC_WRITES_REFUSED,
            },
          ],
        },
        expect: { exit: 5, output: "then run the same rollback command to record it" },
      },
      // The person follows the message: traffic set by hand, then the rollback command.
      { traffic: { blue: 100, green: 0 } },
      {
        release: "rollback",
        expect: { exit: 0, output: "rolled back stack staging: blue (1.4.2" },
      },
      { up: {}, expect: { exit: 0 } },
    ],
    expect: {
      traffic: { blue: 100, green: 0 },
      live: "blue",
      activeRevisions: 2,
      notifications: ["deploy", "promote-step 10", "promote-step 100", "failure", "rollback"],
    },
  },
  {
    id: "half-canary-rolled-back",
    title:
      "a promotion from a 50% canary, rolled back to 50/50 by the watch, records the live slot the stack file records; the next pulumi up applies",
    before:
      "the recorded traffic was read off the weights: at 50/50 the app kept the live slot of the promotion's last step (green) while the stack file said blue, and every later pulumi up was refused as a hand edit",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      CANARY_LEFT_AT(50),
      { images: { [IMAGE("1.5.0")]: { errorRate: 0 } } },
      {
        release: "promote --steps 100",
        during: {
          after: "watching green (1.5.0, ",
          do: [{ images: { [IMAGE("1.5.0")]: { errorRate: 0.3 } } }],
        },
        expect: { exit: 1, output: "post-promotion watch: rollback trigger: error rate" },
      },
      { up: {}, expect: { exit: 0 } },
    ],
    expect: { traffic: { blue: 50, green: 50 }, live: "blue" },
  },
  {
    id: "watch-interrupted",
    title:
      "Ctrl-C during the post-promotion watch keeps the promotion and says so (exit 4, green live at 100%)",
    before:
      "an interrupted command always meant traffic was put back; after the last step there is nothing to put back, and a cancelled job must not undo a promotion that passed its gates",
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      {
        release: "promote --steps 100",
        during: { after: "watching green (1.5.0) until", do: [{ signal: "SIGINT" }] },
        expect: { exit: 4, output: "during the post-promotion watch" },
      },
    ],
    expect: {
      traffic: { blue: 0, green: 100 },
      live: "green",
      activeRevisions: 2,
      notifications: ["deploy", "promote-step 100", "promoted"],
    },
  },
  {
    id: "watch-inconclusive",
    title:
      "a post-promotion watch whose last windows have too few requests to judge does not pass: the new version is rolled back (exit 1)",
    before:
      "the watch passed once its windows had been read, judged or not: at 20 requests a minute with 45% errors (18 of 40, under minRequests) no trigger could fire, the watch printed `passed` and the failing version stayed at 100%",
    model: { userRequestsPerMinute: 20 },
    steps: [
      CREATE,
      DEPLOY("1.5.0"),
      { images: { [IMAGE("1.5.0")]: { errorRate: 0.45 } } },
      {
        release: "promote --steps 100",
        expect: { exit: 1, output: "post-promotion watch: inconclusive: the watch's last" },
      },
    ],
    expect: {
      traffic: { blue: 100, green: 0 },
      live: "blue",
      activeRevisions: 2,
      notifications: ["deploy", "promote-step 100", "rollback", "failure"],
    },
  },
  {
    id: "notification-webhook-down",
    title:
      "a chat webhook that is down or throttles never fails or holds up a release: a warning, then the release goes on",
    before:
      "release notifications did not exist; a notifier that awaited its webhook in the release path would have failed or stalled the release with it",
    steps: [
      CREATE,
      {
        release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
        faults: [{ method: "POST", path: "/webhook$", status: 503, times: 1000 }],
        expect: { exit: 0, output: "warning: the deploy notification was not delivered" },
      },
      {
        release: "promote --steps 100 --no-watch",
        faults: [{ method: "POST", path: "/webhook$", status: 429, retryAfterMs: 2000 }],
        expect: { exit: 0, output: "promoted green (1.5.0) to live" },
      },
    ],
    expect: {
      traffic: { blue: 0, green: 100 },
      live: "green",
      activeRevisions: 2,
      notifications: ["promote-step 100", "promoted"],
    },
  },
];
