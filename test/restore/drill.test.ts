/**
 * The restore drill against the model of Azure and Pulumi (`./model.ts`): every path ends with the
 * throwaway stack destroyed and removed, or with the exact commands that finish the cleanup.
 */
import * as assert from "node:assert/strict";
import { DEFAULT_CHECK_QUERY, runRestoreDrill } from "../../restore/drill";
import { RESTORE_EXIT } from "../../restore/ports";
import { chooseRestorePoint, duration, utc } from "../../restore/window";
import { RG, RestoreModel, SERVER_PREFIX, SOURCE_ID, SUBNET } from "./model";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const STACK = "restore-staging-20261129t100000";
const SERVER = "psql-chatbot-staging-ab12cd-r202611291000";
const JOB = "pgcheck-202611291000";
const CLEANUP = `pulumi destroy --cwd restore --stack ${STACK} --yes && pulumi stack rm --cwd restore ${STACK} --yes; (without Pulumi) az postgres flexible-server delete --resource-group ${RG} --name ${SERVER} --yes && az containerapp job delete --resource-group ${RG} --name ${JOB} --yes`;
const LOGS = `ContainerAppConsoleLogs_CL | where ContainerJobName_s == "${JOB}"`;

describe("restore drill", () => {
  it("restores to 15 minutes ago, reports the restore time, checks, destroys and removes the stack", async () => {
    // given staging's server (14 days of backups) at 2026-11-29T10:00:00Z
    const model = new RestoreModel();

    // when
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());

    // then
    assert.equal(code, RESTORE_EXIT.ok);
    assert.deepEqual(model.report.err, []);
    assert.deepEqual(model.report.out, [
      `restoring psql-chatbot-staging-ab12cd (stack staging) to 2026-11-29T09:45:00Z as server ${SERVER} in stack ${STACK}; Azure takes from a few minutes to a few hours`,
      `restored: server ${SERVER} Ready 14m05s after the start (restore point 2026-11-29T09:45:00Z; host ${SERVER}.postgres.database.azure.com)`,
      `check: job ${JOB} runs psql against ${SERVER}.postgres.database.azure.com: ${DEFAULT_CHECK_QUERY}`,
      `check passed: execution ${JOB}-x7k2p succeeded after 45s (psql's output: ${LOGS})`,
      `cleanup: destroying stack ${STACK} (server ${SERVER}, job ${JOB})`,
      `cleanup: stack ${STACK} destroyed and removed`,
      "restore drill of staging: PASSED (exit 0)",
    ]);
    assert.deepEqual(model.calls, [
      "outputs",
      `open ${STACK}`,
      "up",
      `start ${JOB}`,
      "destroy",
      "remove",
    ]);
    assert.deepEqual(model.leftovers(), []);
    assert.equal(model.stacks.size, 0);
  });

  it("names the throwaway stack in the restore project when the stack is org-qualified", async () => {
    // given
    const model = new RestoreModel();

    // when
    await runRestoreDrill(
      {
        stack: "acme/staging",
        restoreTime: "2026-11-28T23:30:00Z",
        checkImage: "myacr.io/psql:16",
      },
      model.deps(),
    );

    // then the org-qualified stack lives in the restore project
    const name = "acme/chatbot-restore-drill/restore-staging-20261129t100000";
    assert.ok(model.calls.includes(`open ${name}`));
    assert.equal(model.report.out.at(-1), "restore drill of acme/staging: PASSED (exit 0)");
    assert.deepEqual(model.calls.slice(-2), ["destroy", "remove"]);
  });

  it("records the settings it restores with", async () => {
    // given
    const model = new RestoreModel();
    let seen: unknown;
    const restoreStack = async (stackName: string) => {
      const stack = await model.restoreStack(stackName);
      return {
        ...stack,
        stackName,
        up: (settings: Parameters<typeof stack.up>[0], ready: () => void) => {
          seen = settings;
          return stack.up(settings, ready);
        },
      };
    };

    // when
    await runRestoreDrill({ stack: "staging" }, model.deps({ restoreStack }));

    // then
    assert.deepEqual(seen, {
      sourceStack: "staging",
      sourceServerId: SOURCE_ID,
      pointInTimeUtc: "2026-11-29T09:45:00Z",
      serverName: SERVER,
      resourceGroupName: RG,
      location: "eastus2",
      subnetId: SUBNET,
      dnsZoneId: model.source().info.privateDnsZoneId,
      environmentId: model.outputs.containerEnvironmentId,
      identityId: model.outputs.appIdentityId,
      keyVaultUri: model.outputs.keyVaultUri,
      passwordSecretName: "postgres-admin-password",
      databaseName: "chatbot",
      administratorLogin: "chatbotadmin",
      jobName: JOB,
      checkImage: "docker.io/library/postgres:16-alpine",
      checkQuery: DEFAULT_CHECK_QUERY,
      tags: {
        environment: "staging",
        service: "chatbot-api",
        owner: "platform-team",
        "chatbot:restore-drill": STACK,
        "chatbot:restored-from": "psql-chatbot-staging-ab12cd",
        "chatbot:restore-point": "2026-11-29T09:45:00Z",
      },
    });
  });

  describe("refuses before any resource (exit 3)", () => {
    const cases: [string, (model: RestoreModel) => void, string | undefined, string][] = [
      [
        "the restore time is in the future",
        () => undefined,
        "2026-11-29T10:00:01Z",
        "refused: `--restore-time` 2026-11-29T10:00:01Z is in the future (now is 2026-11-29T10:00:00Z): a restore point must lie between 2026-11-15T10:00:00Z and now; nothing was created",
      ],
      [
        "the restore time is outside the retention window",
        () => undefined,
        "2026-11-15T09:59:59Z",
        "refused: `--restore-time` 2026-11-15T09:59:59Z is outside server psql-chatbot-staging-ab12cd's backup retention of 14 days (the earliest restore point is 2026-11-15T10:00:00Z); nothing was created",
      ],
      [
        "the restore time is before the server's first backup",
        (model) => {
          model.source().info = {
            ...model.source().info,
            earliestRestoreMs: Date.parse("2026-11-29T08:00:00Z"),
          };
        },
        "2026-11-29T07:59:59Z",
        "refused: `--restore-time` 2026-11-29T07:59:59Z is before the earliest restore point of server psql-chatbot-staging-ab12cd, 2026-11-29T08:00:00Z (its first backup); nothing was created",
      ],
      [
        "the server is younger than the default restore point",
        (model) => {
          model.source().info = {
            ...model.source().info,
            earliestRestoreMs: Date.parse("2026-11-29T09:50:00Z"),
          };
        },
        undefined,
        "refused: the default restore point (15 minutes ago, 2026-11-29T09:45:00Z) is before the earliest restore point of server psql-chatbot-staging-ab12cd, 2026-11-29T09:50:00Z: its first backup is newer; give --restore-time between 2026-11-29T09:50:00Z and now (2026-11-29T10:00:00Z); nothing was created",
      ],
      [
        "the source server does not exist",
        (model) => {
          model.outputs.postgresServerId = `${SERVER_PREFIX}psql-gone`;
        },
        undefined,
        `refused: source server ${SERVER_PREFIX}psql-gone (stack staging) was not found in Azure; nothing was created`,
      ],
      [
        "the source server has public access (not like prod)",
        (model) => {
          const info = { ...model.source().info };
          delete info.delegatedSubnetId;
          delete info.privateDnsZoneId;
          model.source().info = info;
        },
        undefined,
        "refused: source server psql-chatbot-staging-ab12cd (stack staging) has no private access (delegated subnet and private DNS zone), unlike prod: the drill rehearses prod's restore into the VNet; nothing was created",
      ],
      [
        "the source server is stopped",
        (model) => {
          model.source().info = { ...model.source().info, state: "Stopped" };
        },
        undefined,
        "refused: source server psql-chatbot-staging-ab12cd (stack staging) is Stopped, not Ready: Azure restores from a running server's backups; nothing was created",
      ],
      [
        "the stack exports none of the drill's outputs",
        (model) => {
          model.outputs = { resourceGroupName: RG, keyVaultUri: model.outputs.keyVaultUri };
        },
        undefined,
        "refused: stack staging exports no `postgresServerId`, `postgresDatabaseName`, `containerEnvironmentId`, `appIdentityId`: it is not deployed, or was deployed before these outputs existed (run pulumi up --stack staging once); nothing was created",
      ],
      [
        "the stack runs on AKS",
        (model) => {
          model.outputs.target = "aks";
        },
        undefined,
        "refused: stack staging runs on AKS: the check job needs its Container Apps environment, which AKS stacks do not have; nothing was created",
      ],
      [
        "the stack's outputs cannot be read",
        (model) => {
          model.faults.outputsFail = "error: no stack named 'staging' found";
        },
        undefined,
        "refused: cannot read the outputs of stack staging: error: no stack named 'staging' found; nothing was created",
      ],
    ];
    for (const [title, given, restoreTime, expected] of cases) {
      it(`fails when ${title}`, async () => {
        // given
        const model = new RestoreModel();
        given(model);

        // when
        const code = await runRestoreDrill({ stack: "staging", restoreTime }, model.deps());

        // then
        assert.equal(code, RESTORE_EXIT.refused);
        assert.deepEqual(model.report.err, [expected]);
        assert.deepEqual(model.report.out, []);
        assert.deepEqual(model.calls, ["outputs"]);
        assert.deepEqual(model.leftovers(), []);
      });
    }
  });

  it("accepts the earliest restore point itself (the window is inclusive)", async () => {
    const model = new RestoreModel();
    const code = await runRestoreDrill(
      { stack: "staging", restoreTime: "2026-11-15T10:00:00Z" },
      model.deps(),
    );
    assert.equal(code, RESTORE_EXIT.ok);
  });

  it("fails with exit 1 when the restore point predates the database, and still destroys", async () => {
    // given the app's database was created an hour ago
    const model = new RestoreModel();
    model.source().databases = [{ name: "chatbot", createdMs: model.clock.now() - 60 * MINUTE }];

    // when restoring to two hours ago
    const code = await runRestoreDrill(
      { stack: "staging", restoreTime: "2026-11-29T08:00:00Z" },
      model.deps(),
    );

    // then
    assert.equal(code, RESTORE_EXIT.checkFailed);
    assert.deepEqual(model.report.err, [
      `check failed: execution ${JOB}-x7k2p Failed (psql: FATAL: database "chatbot" does not exist); psql's output is in the environment's Log Analytics workspace: ${LOGS}`,
    ]);
    assert.deepEqual(model.calls.slice(-2), ["destroy", "remove"]);
    assert.equal(model.report.out.at(-1), "restore drill of staging: FAILED (exit 1)");
    assert.deepEqual(model.leftovers(), []);
  });

  it("fails with exit 1 when the check query raises an error", async () => {
    const model = new RestoreModel();
    model.faults.checkQueryFails = true;
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());
    assert.equal(code, RESTORE_EXIT.checkFailed);
    assert.deepEqual(model.report.err, [
      `check failed: execution ${JOB}-x7k2p Failed (Container 'psql' exited with code 1); psql's output is in the environment's Log Analytics workspace: ${LOGS}`,
    ]);
    assert.deepEqual(model.leftovers(), []);
  });

  it("fails with exit 1 when the check does not finish in time", async () => {
    const model = new RestoreModel();
    model.checkDurationMs = 3_600_000;
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());
    assert.equal(code, RESTORE_EXIT.checkFailed);
    assert.deepEqual(model.report.err, [
      `check failed: execution ${JOB}-x7k2p still Running after 15m00s`,
    ]);
    assert.deepEqual(model.leftovers(), []);
  });

  it("fails with exit 5 naming the az command when provisioning fails and Azure keeps the failed server", async () => {
    // given the restore fails after 6 minutes: the server stays in Azure, Failed, unrecorded
    const model = new RestoreModel();
    model.faults.provisioningFailsAfterMs = 6 * MINUTE;

    // when
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());

    // then
    assert.equal(code, RESTORE_EXIT.cleanupFailed);
    assert.deepEqual(model.report.err, [
      'restore failed after 6m00s: creating server: Code="InternalServerError" Message="An unexpected error occurred while processing the restore"',
      `cleanup failed: server ${SERVER} still exists in Azure (Failed; its creation failed, so the stack never recorded it). Delete it: az postgres flexible-server delete --resource-group ${RG} --name ${SERVER} --yes; then pulumi stack rm --cwd restore ${STACK} --yes`,
    ]);
    assert.deepEqual(model.calls, ["outputs", `open ${STACK}`, "up", "destroy"]);
    assert.deepEqual(model.leftovers(), [`${SERVER} Failed`]);
  });

  it("fails with exit 5 and the exact cleanup commands when the destroy fails", async () => {
    // given
    const model = new RestoreModel();
    model.faults.destroyFails = 1;

    // when
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());

    // then the check passed, but a person must finish the cleanup
    assert.equal(code, RESTORE_EXIT.cleanupFailed);
    assert.deepEqual(model.report.err, [
      `cleanup failed: pulumi destroy of stack ${STACK} failed: error: deleting server: Code="ServerBusy" Message="Server is busy with another operation". Finish it by hand: ${CLEANUP}`,
    ]);
    assert.equal(model.report.out.at(-1), "restore drill of staging: FAILED (exit 5)");
    assert.deepEqual(model.leftovers(), [`${SERVER} Ready`]);
    assert.equal(model.stacks.size, 1);
  });

  it("fails with exit 5 when the empty stack cannot be removed", async () => {
    const model = new RestoreModel();
    model.faults.removeFails = 1;
    const code = await runRestoreDrill({ stack: "staging" }, model.deps());
    assert.equal(code, RESTORE_EXIT.cleanupFailed);
    assert.deepEqual(model.report.err, [
      `cleanup failed: the empty stack ${STACK} could not be removed: error: could not remove the stack: the backend answered 503. Remove it: pulumi stack rm --cwd restore ${STACK} --yes`,
    ]);
    assert.deepEqual(model.leftovers(), []);
  });

  it("destroys the stack when interrupted during the check (exit 4)", async () => {
    // given SIGTERM arrives while the check runs
    const model = new RestoreModel();
    const controller = new AbortController();
    const start = model.jobsPort.start;
    model.jobsPort.start = async (group, job) => {
      const name = await start(group, job);
      controller.abort(new Error("SIGTERM"));
      return name;
    };

    // when
    const code = await runRestoreDrill(
      { stack: "staging" },
      model.deps({ signal: controller.signal }),
    );

    // then
    assert.equal(code, RESTORE_EXIT.restoreFailed);
    assert.deepEqual(model.report.err, ["interrupted (SIGTERM): the restore stack is destroyed"]);
    assert.deepEqual(model.calls.slice(-2), ["destroy", "remove"]);
    assert.deepEqual(model.leftovers(), []);
  });

  it("keeps the server and the stack with --keep and says how to remove them", async () => {
    const model = new RestoreModel();
    const code = await runRestoreDrill({ stack: "staging", keep: true }, model.deps());
    assert.equal(code, RESTORE_EXIT.ok);
    assert.ok(!model.calls.includes("destroy"));
    assert.equal(
      model.report.out.at(-2),
      `kept (--keep): stack ${STACK} and server ${SERVER} stay; remove them when done: pulumi destroy --cwd restore --stack ${STACK} --yes && pulumi stack rm --cwd restore ${STACK} --yes`,
    );
    assert.deepEqual(model.leftovers(), [`${SERVER} Ready`]);
  });
});

describe("restore window", () => {
  const server = new RestoreModel().source().info;
  const now = Date.parse("2026-11-29T10:00:00Z");

  it("defaults to 15 minutes ago, in whole seconds", () => {
    assert.equal(utc(chooseRestorePoint(server, now + 999)), "2026-11-29T09:45:00Z");
  });

  it("takes now itself and the start of the retention window", () => {
    assert.equal(chooseRestorePoint(server, now, "2026-11-29T10:00:00Z"), now);
    assert.equal(chooseRestorePoint(server, now, "2026-11-15T10:00:00Z"), now - 14 * DAY);
  });

  it("formats durations", () => {
    assert.deepEqual(
      [duration(45_000), duration(845_000), duration(7_380_000)],
      ["45s", "14m05s", "2h03m"],
    );
  });
});
