// The exact end state of every built-in drill scenario: on Container Apps
// (scenarios.test.ts) and, for the scenarios that also run there, on AKS (aks.test.ts).

/** The exact end state of every built-in scenario. */
export const EXPECTED: Readonly<
  Record<string, { exit: number; traffic: Record<string, number>; live: string; told: RegExp }>
> = {
  "config-change-without-version": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^deployed 1\.5\.0 to blue: verified at 0% traffic; live stays green \(1\.5\.0, chatbot-api-staging--v1-5-0-[0-9a-f]{6}g1\)/,
  },
  "stale-stack-file-merge-deploy": {
    exit: 3,
    traffic: { blue: 0, green: 100 },
    live: "blue",
    told: /^pulumi up: Pulumi\.staging\.yaml is behind what is deployed: its release block has generation 0, the Container App chatbot-api-staging carries generation 2/,
  },
  "hand-edited-live-slot": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^pulumi up: applied$/,
  },
  "drift-run-during-canary": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^promoted green \(1\.5\.0\) to live on stack staging/,
  },
  "state-push-back-fails": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^pulumi up: applied$/,
  },
  "exception-mid-canary": {
    exit: 4,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^rolled back automatically: blue \(1\.4\.2\) serves 100% of traffic again$/,
  },
  "cancelled-mid-canary": {
    exit: 4,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: interrupted \(Error: SIGTERM\)$/,
  },
  "zero-requests-window": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^inconclusive: 0 requests, fewer than the 50 a verdict needs/,
  },
  "revision-prefix-collision": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /error rate \d+\.\d% \(\d+ of \d+\)/,
  },
  "error-rate-trigger": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: rollback trigger: error rate \d+\.\d% \(\d+ of \d+\) over 2 min is above 5%$/,
  },
  "p95-trigger": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: rollback trigger: p95 latency \d+ ms over 5 min is above 2000 ms$/,
  },
  "health-check-failures": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: health check failed 4 times in a row \(more than 3\)/,
  },
  "rollback-to-inactive-revision": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^revision chatbot-api-staging--v1-4-2-[0-9a-f]{6}g0 is inactive: activating it before it gets traffic$/,
  },
  "superseded-revisions-deactivated": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^promoted green \(1\.7\.0\) to live/,
  },
  "canary-reset-on-deploy": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^the canary of green \(20%\) ends: blue serves 100% before green gets the new version at 0%$/,
  },
  "failed-deploy-then-redeploy": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^deployed 1\.5\.0 to green: verified at 0% traffic/,
  },
  "concurrent-releases": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^promoted green \(1\.5\.0\) to live on stack (staging|prod)/,
  },
  "scale-to-zero-wake": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /a scaled-to-zero revision is waking up/,
  },
  "role-assignment-delay": {
    exit: 0,
    traffic: { blue: 100 },
    live: "blue",
    told: /cannot pull its image or read Key Vault yet \(role assignments take minutes to take effect\)/,
  },
  "watch-passes": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^post-promotion watch passed: no rollback trigger fired for green \(1\.5\.0\) in 5 min$/,
  },
  "watch-trigger-after-promotion": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: post-promotion watch: rollback trigger: error rate \d+\.\d% \(\d+ of \d+\) over 2 min is above 5%$/,
  },
  "undo-refused-then-recorded": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^pulumi up: applied$/,
  },
  "half-canary-rolled-back": {
    exit: 0,
    traffic: { blue: 50, green: 50 },
    live: "blue",
    told: /^pulumi up: applied$/,
  },
  "watch-interrupted": {
    exit: 4,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^interrupted \(Error: SIGINT\) during the post-promotion watch after 30s of 5 min: the promotion stands, green \(1\.5\.0\) serves 100% of traffic and the stack file says so; nothing watches it now\. Roll back if needed with: npm run release -- rollback --stack staging$/,
  },
  "watch-inconclusive": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: post-promotion watch: inconclusive: the watch's last error-rate window \(\d\d:\d\d:\d\d to \d\d:\d\d:\d\d UTC, 2 min\) has (3\d|4\d) requests, fewer than the 50 a verdict needs; a window without enough requests never passes, so the watch ends without a verdict on the new version\. --no-watch skips the watch; `postPromotionWatchMinutes` sets its length$/,
  },
  "notification-webhook-down": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^promoted green \(1\.5\.0\) to live on stack staging/,
  },
};
