// The Step Functions API through the AWS SDK for JavaScript v3 (@aws-sdk/client-sfn), changed
// in nothing but the endpoint, dummy keys and disableHostPrefix (StartSyncExecution's `sync-`
// prefix has no host on a local endpoint). Run by tests/clients.rs: `node suite.mjs ENDPOINT`.
import * as sfn from "@aws-sdk/client-sfn";
import assert from "node:assert/strict";

const client = new sfn.SFNClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  disableHostPrefix: true,
  maxAttempts: 1,
});
const send = (Command, input) => client.send(new Command(input));
const ROLE = "arn:aws:iam::123456789012:role/js";
const def = (states, start = "A") => JSON.stringify({ StartAt: start, States: states });

async function expectError(name, Command, input) {
  try {
    await send(Command, input);
  } catch (e) {
    assert.equal(e.name, name, `${Command.name}: ${e.name} ${e.message}`);
    return e;
  }
  assert.fail(`${Command.name}: expected ${name}`);
}

async function waitFor(executionArn, status = "SUCCEEDED") {
  for (let i = 0; i < 400; i++) {
    const d = await send(sfn.DescribeExecutionCommand, { executionArn });
    if (d.status !== "RUNNING") {
      assert.equal(d.status, status, JSON.stringify(d));
      return d;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${executionArn} still running`);
}

// State machines.
const machine = def({ A: { Type: "Pass", Parameters: { "n.$": "States.MathAdd($.n, 1)" }, End: true } });
const { stateMachineArn, creationDate } = await send(sfn.CreateStateMachineCommand, { name: "js", definition: machine, roleArn: ROLE });
assert.ok(creationDate instanceof Date, "dates are parsed as dates");
assert.equal(stateMachineArn, "arn:aws:states:us-east-1:123456789012:stateMachine:js");
const described = await send(sfn.DescribeStateMachineCommand, { stateMachineArn });
assert.equal(described.type, "STANDARD");
assert.deepEqual(JSON.parse(described.definition), JSON.parse(machine));
const listed = await send(sfn.ListStateMachinesCommand, {});
assert.ok(listed.stateMachines.some((m) => m.stateMachineArn === stateMachineArn));
await expectError("InvalidDefinition", sfn.CreateStateMachineCommand, { name: "bad", definition: def({ A: { Type: "Nope" } }), roleArn: ROLE });
await expectError("StateMachineDoesNotExist", sfn.DescribeStateMachineCommand, { stateMachineArn: stateMachineArn + "x" });

// Executions.
const { executionArn } = await send(sfn.StartExecutionCommand, { stateMachineArn, name: "one", input: JSON.stringify({ n: 41 }) });
const done = await waitFor(executionArn);
assert.deepEqual(JSON.parse(done.output), { n: 42 });
assert.ok(done.stopDate instanceof Date);
const history = await send(sfn.GetExecutionHistoryCommand, { executionArn });
assert.deepEqual(history.events.map((e) => e.type), ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);
const executions = await send(sfn.ListExecutionsCommand, { stateMachineArn, statusFilter: "SUCCEEDED" });
assert.equal(executions.executions.length, 1);
await expectError("ExecutionAlreadyExists", sfn.StartExecutionCommand, { stateMachineArn, name: "one", input: "{}" });
await expectError("ExecutionDoesNotExist", sfn.DescribeExecutionCommand, { executionArn: executionArn + "x" });
const waiting = await send(sfn.CreateStateMachineCommand, { name: "waiting", definition: def({ A: { Type: "Wait", Seconds: 3600, End: true } }), roleArn: ROLE });
const long = await send(sfn.StartExecutionCommand, { stateMachineArn: waiting.stateMachineArn });
await send(sfn.StopExecutionCommand, { executionArn: long.executionArn, error: "Stopped", cause: "by the JS suite" });
const stopped = await send(sfn.DescribeExecutionCommand, { executionArn: long.executionArn });
assert.equal(stopped.status, "ABORTED");

// Express, synchronously.
const express = await send(sfn.CreateStateMachineCommand, { name: "jsfast", type: "EXPRESS", definition: machine, roleArn: ROLE });
const sync = await send(sfn.StartSyncExecutionCommand, { stateMachineArn: express.stateMachineArn, input: JSON.stringify({ n: 1 }) });
assert.equal(sync.status, "SUCCEEDED");
assert.deepEqual(JSON.parse(sync.output), { n: 2 });

// Activities.
const { activityArn } = await send(sfn.CreateActivityCommand, { name: "jswork" });
const worker = await send(sfn.CreateStateMachineCommand, { name: "jsworker", definition: def({ A: { Type: "Task", Resource: activityArn, End: true } }), roleArn: ROLE });
const job = await send(sfn.StartExecutionCommand, { stateMachineArn: worker.stateMachineArn, input: JSON.stringify({ job: 1 }) });
const task = await send(sfn.GetActivityTaskCommand, { activityArn, workerName: "js" });
assert.deepEqual(JSON.parse(task.input), { job: 1 });
await send(sfn.SendTaskHeartbeatCommand, { taskToken: task.taskToken });
await send(sfn.SendTaskSuccessCommand, { taskToken: task.taskToken, output: JSON.stringify({ ok: true }) });
assert.deepEqual(JSON.parse((await waitFor(job.executionArn)).output), { ok: true });
await expectError("TaskDoesNotExist", sfn.SendTaskFailureCommand, { taskToken: task.taskToken, error: "E" });

// Tags, versions, aliases.
await send(sfn.TagResourceCommand, { resourceArn: stateMachineArn, tags: [{ key: "team", value: "js" }] });
assert.deepEqual((await send(sfn.ListTagsForResourceCommand, { resourceArn: stateMachineArn })).tags, [{ key: "team", value: "js" }]);
const { stateMachineVersionArn } = await send(sfn.PublishStateMachineVersionCommand, { stateMachineArn, description: "v1" });
assert.equal(stateMachineVersionArn, stateMachineArn + ":1");
const { stateMachineAliasArn } = await send(sfn.CreateStateMachineAliasCommand, {
  name: "prod",
  routingConfiguration: [{ stateMachineVersionArn, weight: 100 }],
});
const viaAlias = await send(sfn.StartExecutionCommand, { stateMachineArn: stateMachineAliasArn, input: JSON.stringify({ n: 0 }) });
assert.deepEqual(JSON.parse((await waitFor(viaAlias.executionArn)).output), { n: 1 });
assert.equal((await send(sfn.ListStateMachineAliasesCommand, { stateMachineArn })).stateMachineAliases.length, 1);

// Validation.
const v = await send(sfn.ValidateStateMachineDefinitionCommand, { definition: machine });
assert.equal(v.result, "OK");

console.log("js sdk suite: ok");
