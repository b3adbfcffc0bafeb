"""The Step Functions API through boto3, changed in nothing but the endpoint and dummy keys.

Run by tests/clients.rs as `python3 boto3_suite.py ENDPOINT`; exits non-zero on the first
failure, printing what differed.
"""

import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
ROLE = "arn:aws:iam::123456789012:role/baton"

sfn = boto3.client(
    "stepfunctions",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    # StartSyncExecution carries the `sync-` host prefix; a local endpoint has no such host.
    config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
)


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        return e.response["Error"]["Message"]
    raise AssertionError(f"expected {code}, the call succeeded")


def wait_for(arn, status="SUCCEEDED", seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            assert d["status"] == status, d
            return d
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


def definition(states, start="A", **extra):
    return json.dumps({"StartAt": start, "States": states, **extra})


# ----- state machines -----
hello = definition(
    {
        "A": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.who)"}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "End": True},
    }
)
created = sfn.create_state_machine(name="hello", definition=hello, roleArn=ROLE)
arn = created["stateMachineArn"]
assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:hello", arn
# Idempotent on the same definition; refused with another.
assert sfn.create_state_machine(name="hello", definition=hello, roleArn=ROLE)["stateMachineArn"] == arn
expect_error(
    "StateMachineAlreadyExists",
    sfn.create_state_machine,
    name="hello",
    definition=definition({"A": {"Type": "Succeed"}}),
    roleArn=ROLE,
)
msg = expect_error(
    "InvalidDefinition",
    sfn.create_state_machine,
    name="broken",
    definition=definition({"A": {"Type": "Pass", "Next": "Nowhere"}}),
    roleArn=ROLE,
)
assert "Nowhere" in msg, msg
expect_error("InvalidName", sfn.create_state_machine, name="bad name", definition=hello, roleArn=ROLE)
d = sfn.describe_state_machine(stateMachineArn=arn)
assert d["name"] == "hello" and d["type"] == "STANDARD" and d["status"] == "ACTIVE", d
assert json.loads(d["definition"]) == json.loads(hello)
expect_error(
    "StateMachineDoesNotExist",
    sfn.describe_state_machine,
    stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:nope",
)
expect_error("InvalidArn", sfn.describe_state_machine, stateMachineArn="not-an-arn")
for i in range(3):
    sfn.create_state_machine(name=f"m{i}", definition=hello, roleArn=ROLE)
names = []
page = sfn.list_state_machines(maxResults=2)
names += [m["name"] for m in page["stateMachines"]]
assert len(page["stateMachines"]) == 2 and "nextToken" in page, page
while "nextToken" in page:
    page = sfn.list_state_machines(maxResults=2, nextToken=page["nextToken"])
    names += [m["name"] for m in page["stateMachines"]]
assert sorted(names) == ["hello", "m0", "m1", "m2"], names
paginated = [m["name"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]]
assert sorted(paginated) == sorted(names)
upd = sfn.update_state_machine(stateMachineArn=arn, definition=hello)
assert upd["revisionId"] != d["revisionId"], upd
v = sfn.validate_state_machine_definition(definition=definition({"A": {"Type": "Pass", "Next": "X"}}))
assert v["result"] == "FAIL" and v["diagnostics"][0]["code"] == "MISSING_TRANSITION_TARGET", v
assert v["diagnostics"][0]["location"] == "/States/A/Next", v
assert sfn.validate_state_machine_definition(definition=hello)["result"] == "OK"

# ----- Standard executions -----
started = sfn.start_execution(stateMachineArn=arn, name="first", input=json.dumps({"who": "Ada"}))
exec_arn = started["executionArn"]
assert exec_arn == "arn:aws:states:us-east-1:123456789012:execution:hello:first", exec_arn
# Idempotent while running with the same input; another input is refused.
assert sfn.start_execution(stateMachineArn=arn, name="first", input=json.dumps({"who": "Ada"}))["executionArn"] == exec_arn
expect_error("ExecutionAlreadyExists", sfn.start_execution, stateMachineArn=arn, name="first", input="{}")
expect_error("InvalidExecutionInput", sfn.start_execution, stateMachineArn=arn, input="{not json")
expect_error("InvalidName", sfn.start_execution, stateMachineArn=arn, name="a/b")
assert sfn.describe_execution(executionArn=exec_arn)["status"] == "RUNNING"
done = wait_for(exec_arn)
assert json.loads(done["output"]) == {"greeting": "Hello, Ada!"}, done
assert done["stopDate"] >= done["startDate"]
h = sfn.get_execution_history(executionArn=exec_arn)
types = [e["type"] for e in h["events"]]
assert types == [
    "ExecutionStarted",
    "PassStateEntered",
    "PassStateExited",
    "WaitStateEntered",
    "WaitStateExited",
    "ExecutionSucceeded",
], types
assert [e["id"] for e in h["events"]] == list(range(1, 7))
rev = sfn.get_execution_history(executionArn=exec_arn, reverseOrder=True, maxResults=4)
assert [e["id"] for e in rev["events"]] == [6, 5, 4, 3] and "nextToken" in rev, rev
rest = sfn.get_execution_history(executionArn=exec_arn, reverseOrder=True, nextToken=rev["nextToken"])
assert [e["id"] for e in rest["events"]] == [2, 1], rest
lean = sfn.get_execution_history(executionArn=exec_arn, includeExecutionData=False)
assert "input" not in lean["events"][0]["executionStartedEventDetails"], lean["events"][0]
expect_error(
    "ExecutionDoesNotExist",
    sfn.describe_execution,
    executionArn="arn:aws:states:us-east-1:123456789012:execution:hello:nope",
)
expect_error("ExecutionAlreadyExists", sfn.start_execution, stateMachineArn=arn, name="first", input=json.dumps({"who": "Ada"}))
smx = sfn.describe_state_machine_for_execution(executionArn=exec_arn)
assert smx["stateMachineArn"] == arn and "definition" in smx, smx

# An update changes what new executions run, never a running one.
def versioned(result):
    return definition({"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "Result": result, "End": True}}, start="W")


evolve = sfn.create_state_machine(name="evolve", definition=versioned("v1"), roleArn=ROLE)["stateMachineArn"]
old_run = sfn.start_execution(stateMachineArn=evolve, name="old")["executionArn"]
sfn.update_state_machine(stateMachineArn=evolve, definition=versioned("v2"))
new_run = sfn.start_execution(stateMachineArn=evolve, name="new")["executionArn"]
assert json.loads(wait_for(old_run)["output"]) == "v1"
assert json.loads(wait_for(new_run)["output"]) == "v2"
used = sfn.describe_state_machine_for_execution(executionArn=old_run)
assert json.loads(used["definition"]) == json.loads(versioned("v1")), used

# StopExecution, and listing by status.
long = sfn.create_state_machine(
    name="long", definition=definition({"A": {"Type": "Wait", "Seconds": 3600, "End": True}}), roleArn=ROLE
)["stateMachineArn"]
running = [sfn.start_execution(stateMachineArn=long, name=f"r{i}")["executionArn"] for i in range(3)]
stopped = sfn.stop_execution(executionArn=running[0], error="Manual", cause="stopped by the test")
assert "stopDate" in stopped
d = sfn.describe_execution(executionArn=running[0])
assert d["status"] == "ABORTED" and d["error"] == "Manual" and d["cause"] == "stopped by the test", d
listed = sfn.list_executions(stateMachineArn=long, statusFilter="RUNNING")["executions"]
assert sorted(e["executionArn"] for e in listed) == sorted(running[1:]), listed
every = [e for p in sfn.get_paginator("list_executions").paginate(stateMachineArn=long, PaginationConfig={"PageSize": 1}) for e in p["executions"]]
assert len(every) == 3, every

# A callback task: the token comes from the TaskScheduled event, the answer through the API.
cb = sfn.create_state_machine(
    name="callback",
    definition=definition(
        {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 60,
                "End": True,
            }
        }
    ),
    roleArn=ROLE,
)["stateMachineArn"]


def token_of(execution_arn):
    deadline = time.time() + 10
    while time.time() < deadline:
        for e in sfn.get_execution_history(executionArn=execution_arn)["events"]:
            if e["type"] == "TaskScheduled":
                return json.loads(e["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"]
        time.sleep(0.05)
    raise AssertionError("no TaskScheduled event")


ok = sfn.start_execution(stateMachineArn=cb, name="ok")["executionArn"]
token = token_of(ok)
sfn.send_task_heartbeat(taskToken=token)
sfn.send_task_success(taskToken=token, output=json.dumps({"answer": 42}))
assert json.loads(wait_for(ok)["output"]) == {"answer": 42}
expect_error("TaskDoesNotExist", sfn.send_task_success, taskToken=token, output="{}")
bad = sfn.start_execution(stateMachineArn=cb, name="bad")["executionArn"]
t2 = token_of(bad)
expect_error("InvalidOutput", sfn.send_task_success, taskToken=t2, output="{nope")
sfn.send_task_failure(taskToken=t2, error="Worker.Failed", cause="it broke")
d = wait_for(bad, "FAILED")
assert d["error"] == "Worker.Failed" and d["cause"] == "it broke", d

# ----- activities -----
act = sfn.create_activity(name="work")
act_arn = act["activityArn"]
assert act_arn == "arn:aws:states:us-east-1:123456789012:activity:work", act
assert sfn.create_activity(name="work")["activityArn"] == act_arn
assert sfn.describe_activity(activityArn=act_arn)["name"] == "work"
assert [a["name"] for a in sfn.list_activities()["activities"]] == ["work"]
expect_error(
    "ActivityDoesNotExist",
    sfn.describe_activity,
    activityArn="arn:aws:states:us-east-1:123456789012:activity:none",
)
worker_sm = sfn.create_state_machine(
    name="worker",
    definition=definition(
        {"A": {"Type": "Task", "Resource": act_arn, "TimeoutSeconds": 60, "HeartbeatSeconds": 30, "End": True}}
    ),
    roleArn=ROLE,
)["stateMachineArn"]
job = sfn.start_execution(stateMachineArn=worker_sm, name="job", input=json.dumps({"x": 1}))["executionArn"]
task = sfn.get_activity_task(activityArn=act_arn, workerName="w1")
assert json.loads(task["input"]) == {"x": 1}, task
sfn.send_task_heartbeat(taskToken=task["taskToken"])
sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"y": 2}))
assert json.loads(wait_for(job)["output"]) == {"y": 2}
types = [e["type"] for e in sfn.get_execution_history(executionArn=job)["events"]]
assert types == [
    "ExecutionStarted",
    "TaskStateEntered",
    "ActivityScheduled",
    "ActivityStarted",
    "ActivitySucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
], types
started = [e for e in sfn.get_execution_history(executionArn=job)["events"] if e["type"] == "ActivityStarted"]
assert started[0]["activityStartedEventDetails"]["workerName"] == "w1", started

# ----- redrive -----
flaky = sfn.start_execution(stateMachineArn=worker_sm, name="flaky", input=json.dumps({"x": 3}))["executionArn"]
d = sfn.describe_execution(executionArn=flaky)
assert d["redriveStatus"] == "NOT_REDRIVABLE" and "RUNNING" in d["redriveStatusReason"], d
expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=flaky)
first = sfn.get_activity_task(activityArn=act_arn, workerName="w1")
sfn.send_task_failure(taskToken=first["taskToken"], error="Worker.Crashed")
d = wait_for(flaky, "FAILED")
assert d["redriveStatus"] == "REDRIVABLE" and d["redriveCount"] == 0, d
redrive = sfn.redrive_execution(executionArn=flaky, clientToken="once")
# The same client token again is the same redrive, not a second one.
assert sfn.redrive_execution(executionArn=flaky, clientToken="once")["redriveDate"] == redrive["redriveDate"]
second = sfn.get_activity_task(activityArn=act_arn, workerName="w2")
assert json.loads(second["input"]) == {"x": 3}, second
sfn.send_task_success(taskToken=second["taskToken"], output=json.dumps({"fixed": True}))
d = wait_for(flaky)
assert json.loads(d["output"]) == {"fixed": True}, d
assert d["redriveCount"] == 1 and d["redriveDate"] == redrive["redriveDate"], d
assert d["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven", d
types = [e["type"] for e in sfn.get_execution_history(executionArn=flaky)["events"]]
assert types[types.index("ExecutionFailed") + 1 :] == [
    "ExecutionRedriven",
    "TaskStateEntered",
    "ActivityScheduled",
    "ActivityStarted",
    "ActivitySucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
], types
listed = sfn.list_executions(stateMachineArn=worker_sm, redriveFilter="REDRIVEN")["executions"]
assert [e["name"] for e in listed] == ["flaky"] and listed[0]["redriveCount"] == 1, listed
assert [e["name"] for e in sfn.list_executions(stateMachineArn=worker_sm, redriveFilter="NOT_REDRIVEN")["executions"]] == ["job"]
expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=flaky)
expect_error("ExecutionDoesNotExist", sfn.redrive_execution, executionArn=flaky + "-none")
sfn.delete_activity(activityArn=act_arn)
expect_error("ActivityDoesNotExist", sfn.describe_activity, activityArn=act_arn)

# ----- Map Runs -----
map_act = sfn.create_activity(name="mapwork")["activityArn"]
dist = sfn.create_state_machine(
    name="dist",
    definition=definition(
        {
            "M": {
                "Type": "Map",
                "Label": "Fan",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": map_act, "End": True}},
                },
                "End": True,
            }
        },
        start="M",
    ),
    roleArn=ROLE,
)["stateMachineArn"]
fan = sfn.start_execution(stateMachineArn=dist, name="fan", input=json.dumps([1, 2, 3]))["executionArn"]
deadline = time.time() + 10
while not sfn.list_map_runs(executionArn=fan)["mapRuns"] and time.time() < deadline:
    time.sleep(0.05)
runs = sfn.list_map_runs(executionArn=fan)["mapRuns"]
assert len(runs) == 1 and runs[0]["executionArn"] == fan, runs
run_arn = runs[0]["mapRunArn"]
assert ":mapRun:dist/Fan:" in run_arn and runs[0]["stateMachineArn"].endswith(":stateMachine:dist/Fan"), runs
m = sfn.describe_map_run(mapRunArn=run_arn)
assert m["status"] == "RUNNING" and m["maxConcurrency"] == 1, m
assert m["itemCounts"]["total"] == 3 and m["itemCounts"]["running"] == 1 and m["itemCounts"]["pending"] == 2, m
first = sfn.get_activity_task(activityArn=map_act, workerName="m")
# More at once: the other two start as soon as the limit is raised.
sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=3, toleratedFailureCount=1)
m = sfn.describe_map_run(mapRunArn=run_arn)
assert m["maxConcurrency"] == 3 and m["toleratedFailureCount"] == 1 and m["itemCounts"]["running"] == 3, m
tasks = [first] + [sfn.get_activity_task(activityArn=map_act, workerName="m") for _ in range(2)]
assert sorted(json.loads(t["input"]) for t in tasks) == [1, 2, 3], tasks
children = sfn.list_executions(mapRunArn=run_arn)["executions"]
assert len(children) == 3 and all(c["status"] == "RUNNING" for c in children), children
for t in tasks:
    sfn.send_task_success(taskToken=t["taskToken"], output=t["input"])
assert sorted(json.loads(wait_for(fan)["output"])) == [1, 2, 3]
m = sfn.describe_map_run(mapRunArn=run_arn)
assert m["status"] == "SUCCEEDED" and m["itemCounts"]["succeeded"] == 3 and "stopDate" in m, m
children = sfn.list_executions(mapRunArn=run_arn, statusFilter="SUCCEEDED", maxResults=2)
assert len(children["executions"]) == 2 and "nextToken" in children, children
child = sfn.describe_execution(executionArn=children["executions"][0]["executionArn"])
assert child["status"] == "SUCCEEDED" and child["mapRunArn"] == run_arn, child
expect_error("ValidationException", sfn.update_map_run, mapRunArn=run_arn, maxConcurrency=2)
expect_error("ResourceNotFound", sfn.describe_map_run, mapRunArn=run_arn + "x")
expect_error("InvalidArn", sfn.describe_map_run, mapRunArn=fan)

# ----- Express -----
fast = sfn.create_state_machine(
    name="fast",
    type="EXPRESS",
    definition=definition({"A": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}}),
    roleArn=ROLE,
)["stateMachineArn"]
r = sfn.start_sync_execution(stateMachineArn=fast, input=json.dumps({"n": 1}))
assert r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"n": 1, "r": {"ok": True}}, r
assert ":express:fast:" in r["executionArn"], r
assert r["billingDetails"]["billedDurationInMilliseconds"] >= 100
failing = sfn.create_state_machine(
    name="failing", type="EXPRESS", definition=definition({"A": {"Type": "Fail", "Error": "E", "Cause": "c"}}), roleArn=ROLE
)["stateMachineArn"]
r = sfn.start_sync_execution(stateMachineArn=failing)
assert r["status"] == "FAILED" and r["error"] == "E" and r["cause"] == "c", r
expect_error("StateMachineTypeNotSupported", sfn.start_sync_execution, stateMachineArn=arn)
expect_error("StateMachineTypeNotSupported", sfn.list_executions, stateMachineArn=fast)
a = sfn.start_execution(stateMachineArn=fast, input="{}")
expect_error("InvalidArn", sfn.describe_execution, executionArn=a["executionArn"])

# ----- versions and aliases -----
pub = sfn.create_state_machine(name="pub", definition=versioned("one"), roleArn=ROLE, publish=True, versionDescription="first")
v1 = pub["stateMachineVersionArn"]
assert v1 == pub["stateMachineArn"] + ":1", pub
expect_error(
    "ValidationException",
    sfn.create_state_machine,
    name="pub2",
    definition=hello,
    roleArn=ROLE,
    versionDescription="no publish",
)
# Publishing the same revision again gives the same version.
assert sfn.publish_state_machine_version(stateMachineArn=pub["stateMachineArn"])["stateMachineVersionArn"] == v1
u = sfn.update_state_machine(stateMachineArn=pub["stateMachineArn"], definition=versioned("two"), publish=True)
v2 = u["stateMachineVersionArn"]
assert v2.endswith(":2"), u
expect_error(
    "ConflictException",
    sfn.publish_state_machine_version,
    stateMachineArn=pub["stateMachineArn"],
    revisionId="not-the-current-one",
)
listed = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=pub["stateMachineArn"])["stateMachineVersions"]]
assert listed == [v2, v1], listed
d1 = sfn.describe_state_machine(stateMachineArn=v1)
assert json.loads(d1["definition"]) == json.loads(versioned("one")) and d1["description"] == "first", d1
# An execution of a version runs that version.
run1 = sfn.start_execution(stateMachineArn=v1)["executionArn"]
assert ":execution:pub:" in run1, run1
d = wait_for(run1)
assert json.loads(d["output"]) == "one"
assert d["stateMachineVersionArn"] == v1 and "stateMachineAliasArn" not in d, d
alias = sfn.create_state_machine_alias(
    name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}], description="prod"
)["stateMachineAliasArn"]
assert alias == pub["stateMachineArn"] + ":live", alias
a = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
assert a["name"] == "live" and a["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}], a
d = wait_for(sfn.start_execution(stateMachineArn=alias)["executionArn"])
assert json.loads(d["output"]) == "one"
assert d["stateMachineAliasArn"] == alias and d["stateMachineVersionArn"] == v1, d
sfn.update_state_machine_alias(
    stateMachineAliasArn=alias,
    routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}],
)
assert json.loads(wait_for(sfn.start_execution(stateMachineArn=alias)["executionArn"])["output"]) == "two"
expect_error(
    "ValidationException",
    sfn.update_state_machine_alias,
    stateMachineAliasArn=alias,
    routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 40}],
)
sfn.update_state_machine_alias(
    stateMachineAliasArn=alias,
    routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}],
)
runs = [sfn.start_execution(stateMachineArn=alias)["executionArn"] for _ in range(12)]
outputs = {json.loads(wait_for(run)["output"]) for run in runs}
assert outputs <= {"one", "two"}, outputs
by_alias = [e["executionArn"] for p in sfn.get_paginator("list_executions").paginate(stateMachineArn=alias, PaginationConfig={"PageSize": 5}) for e in p["executions"]]
# Two runs before the weights changed, then the twelve: all through the alias, none twice.
assert len(by_alias) == 14 and len(set(by_alias)) == 14 and set(runs) <= set(by_alias), by_alias
assert all(e.get("stateMachineAliasArn") == alias for e in sfn.list_executions(stateMachineArn=alias)["executions"])
by_version = sfn.list_executions(stateMachineArn=v1)["executions"]
assert run1 in [e["executionArn"] for e in by_version], by_version
assert all(e["stateMachineVersionArn"] == v1 for e in by_version), by_version
expect_error("ConflictException", sfn.delete_state_machine_version, stateMachineVersionArn=v1)
assert [x["stateMachineAliasArn"] for x in sfn.list_state_machine_aliases(stateMachineArn=pub["stateMachineArn"])["stateMachineAliases"]] == [alias]
expect_error("InvalidName", sfn.create_state_machine_alias, name="123", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
expect_error("ResourceNotFound", sfn.describe_state_machine_alias, stateMachineAliasArn=alias)
sfn.delete_state_machine_version(stateMachineVersionArn=v1)
assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=pub["stateMachineArn"])["stateMachineVersions"]] == [v2]

# ----- tags -----
sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "core"}, {"key": "env", "value": "dev"}])
sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}])
tags = sorted((t["key"], t["value"]) for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"])
assert tags == [("env", "prod"), ("team", "core")], tags
sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "prod"}]
expect_error(
    "TooManyTags",
    sfn.tag_resource,
    resourceArn=arn,
    tags=[{"key": f"k{i}", "value": "v"} for i in range(51)],
)
expect_error(
    "ResourceNotFound",
    sfn.list_tags_for_resource,
    resourceArn="arn:aws:states:us-east-1:123456789012:stateMachine:nope",
)
tagged_activity = sfn.create_activity(name="tagged", tags=[{"key": "a", "value": "b"}])["activityArn"]
assert sfn.list_tags_for_resource(resourceArn=tagged_activity)["tags"] == [{"key": "a", "value": "b"}]
sfn.tag_resource(resourceArn=tagged_activity, tags=[{"key": "c", "value": "d"}])
assert len(sfn.list_tags_for_resource(resourceArn=tagged_activity)["tags"]) == 2
created_tagged = sfn.create_state_machine(name="tagged", definition=hello, roleArn=ROLE, tags=[{"key": "x", "value": "y"}])
assert sfn.list_tags_for_resource(resourceArn=created_tagged["stateMachineArn"])["tags"] == [{"key": "x", "value": "y"}]

# ----- TestState -----
t = sfn.test_state(definition=json.dumps({"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "Later"}), input=json.dumps({"a": 5}))
assert t["status"] == "SUCCEEDED" and json.loads(t["output"]) == {"x": 5} and t["nextState"] == "Later", t
full = definition({"A": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"}, "Big": {"Type": "Succeed"}, "Small": {"Type": "Succeed"}})
assert sfn.test_state(definition=full, stateName="C", input=json.dumps({"n": 2}))["nextState"] == "Big"
assert sfn.test_state(definition=full, stateName="C", input=json.dumps({"n": 0}))["nextState"] == "Small"
task = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "f", "Payload.$": "$"},
    "ResultSelector": {"v.$": "$.Payload"},
    "ResultPath": "$.out",
    "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 2}],
    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
    "Next": "Done",
}
ok = sfn.test_state(definition=json.dumps(task), input=json.dumps({"k": 1}), inspectionLevel="DEBUG", mock={"result": json.dumps({"Payload": 7})})
assert ok["status"] == "SUCCEEDED" and json.loads(ok["output"]) == {"k": 1, "out": {"v": 7}} and ok["nextState"] == "Done", ok
assert json.loads(ok["inspectionData"]["afterParameters"]) == {"FunctionName": "f", "Payload": {"k": 1}}, ok
assert json.loads(ok["inspectionData"]["result"]) == {"Payload": 7}, ok
throttled = {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow down"}}
r = sfn.test_state(definition=json.dumps(task), input="{}", mock=throttled, stateConfiguration={"retrierRetryCount": 1})
assert r["status"] == "RETRIABLE" and r["error"] == "Lambda.TooManyRequestsException", r
assert r["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}, r
c = sfn.test_state(definition=json.dumps(task), input="{}", mock=throttled, stateConfiguration={"retrierRetryCount": 2})
assert c["status"] == "CAUGHT_ERROR" and c["nextState"] == "Handle" and c["inspectionData"]["errorDetails"]["catchIndex"] == 0, c
f = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "Bad", "Cause": "very"}))
assert f["status"] == "FAILED" and f["error"] == "Bad" and f["cause"] == "very", f
v = sfn.test_state(definition=json.dumps({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $greeting & ' ' & $states.input.who %}", "End": True}), input=json.dumps({"who": "Ada"}), variables=json.dumps({"greeting": "Hello"}))
assert json.loads(v["output"]) == "Hello Ada" and "nextState" not in v, v
expect_error("ValidationException", sfn.test_state, definition=json.dumps(task), input="{}")
expect_error("InvalidDefinition", sfn.test_state, definition=json.dumps({"Type": "Pass", "Next": "X", "Bogus": 1}))
bad_retry = dict(task, Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": -1}])
expect_error("InvalidDefinition", sfn.test_state, definition=json.dumps(bad_retry), input="{}", mock=throttled)
expect_error("InvalidDefinition", sfn.test_state, definition=json.dumps({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": []}}))
par = {"Type": "Parallel", "ResultSelector": {"both.$": "$"}, "End": True, "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}]}
p = sfn.test_state(definition=json.dumps(par), input="{}", mock={"result": json.dumps([1])}, inspectionLevel="DEBUG")
assert p["status"] == "SUCCEEDED" and json.loads(p["output"]) == {"both": [1]}, p
assert json.loads(p["inspectionData"]["afterResultSelector"]) == {"both": [1]}, p
expect_error("ValidationException", sfn.test_state, definition=json.dumps(par), input="{}")

# ----- deletion -----
sfn.delete_state_machine(stateMachineArn=long)
expect_error("StateMachineDoesNotExist", sfn.describe_state_machine, stateMachineArn=long)

print("boto3 suite: ok")
