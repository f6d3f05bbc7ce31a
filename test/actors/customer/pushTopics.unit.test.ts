import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import { NO_JOURNEYS } from "../../../actors/customer/journeys.ts";
import type { CustomerFactDraft, IngestCommand } from "../../../model/index.ts";
import { at, command } from "./customerScript.ts";

const TOPICS: ReadonlySet<string> = new Set(["aud-topic"]);

/** Applies commands in order from nothing (the n-th at minute n), each with the push-topic audiences given. */
function run(commands: IngestCommand[], topics: ReadonlySet<string> = TOPICS): ApplyResult[] {
  let snapshot: ApplyResult["snapshot"];
  return commands.map((cmd, minute) => {
    const result = applyCommand(snapshot, cmd, at(minute), [], NO_JOURNEYS, topics);
    snapshot = result.snapshot;
    return result;
  });
}

/** The topic changes a result decided, as `<audience> +tokens -tokens`. */
const topicChanges = (result: ApplyResult | undefined) =>
  (result?.facts ?? []).flatMap((fact: CustomerFactDraft) =>
    fact.type === "pushTopic.changed"
      ? [`${fact.data.audienceId} +${fact.data.subscribe.join(",")} -${fact.data.unsubscribe.join(",")}`]
      : [],
  );

const grantPush = () => command("consent.set", { push: "GRANTED" });
const register = (token: string) => command("device.register", { token, platform: "ANDROID" });
const enter = (audienceId: string) => command("membership.set", { audienceId, runId: "run-1", member: true });
const exit = (audienceId: string) => command("membership.set", { audienceId, runId: "run-2", member: false });

describe("push topics decided by the customer actor", () => {
  it("subscribes every token of a member with push consent when it enters a push-topic audience", () => {
    const results = run([grantPush(), register("t1"), register("t2"), enter("aud-topic")]);
    expect(results.slice(0, 3).flatMap(topicChanges)).toEqual([]);
    expect(topicChanges(results[3])).toEqual(["aud-topic +t1,t2 -"]);
    expect(results[3]?.state?.pushTopics).toEqual([{ audienceId: "aud-topic", tokens: ["t1", "t2"] }]);
  });

  it("subscribes nothing for an audience whose pushTopic is off, or without push consent", () => {
    const off = run([grantPush(), register("t1"), enter("aud-other")]);
    const noConsent = run([register("t1"), enter("aud-topic")]);
    expect([...off, ...noConsent].flatMap(topicChanges)).toEqual([]);
    expect(noConsent[1]?.state?.pushTopics).toBeUndefined();
  });

  it("subscribes a member's tokens once push consent is granted, and a token registered later", () => {
    const results = run([register("t1"), enter("aud-topic"), grantPush(), register("t2")]);
    expect(topicChanges(results[2])).toEqual(["aud-topic +t1 -"]);
    expect(topicChanges(results[3])).toEqual(["aud-topic +t2 -"]);
  });

  it("unsubscribes every token on exit, and keeps nothing in the state", () => {
    const results = run([grantPush(), register("t1"), register("t2"), enter("aud-topic"), exit("aud-topic")]);
    expect(topicChanges(results[4])).toEqual(["aud-topic + -t1,t2"]);
    expect(results[4]?.state?.pushTopics).toBeUndefined();
  });

  it("unsubscribes every token when push consent is revoked, or the customer unsubscribes from push", () => {
    const base = [grantPush(), register("t1"), enter("aud-topic")];
    const revoked = run([...base, command("consent.set", { push: "DENIED" })]);
    const unsubscribed = run([...base, command("customer.unsubscribe", { purpose: "push" })]);
    expect(topicChanges(revoked[3])).toEqual(["aud-topic + -t1"]);
    expect(topicChanges(unsubscribed[3])).toEqual(["aud-topic + -t1"]);
  });

  it("unsubscribes only the token removed (unregistered, or dead)", () => {
    const results = run([
      grantPush(),
      register("t1"),
      register("t2"),
      enter("aud-topic"),
      command("device.unregister", { token: "t1" }),
    ]);
    expect(topicChanges(results[4])).toEqual(["aud-topic + -t1"]);
    expect(results[4]?.state?.pushTopics).toEqual([{ audienceId: "aud-topic", tokens: ["t2"] }]);
  });

  it("unsubscribes every topic's tokens when the customer is deleted", () => {
    const topics = new Set(["aud-a", "aud-b"]);
    const results = run(
      [grantPush(), register("t1"), enter("aud-a"), enter("aud-b"), command("customer.delete", {})],
      topics,
    );
    expect(topicChanges(results[4])).toEqual(["aud-a + -t1", "aud-b + -t1"]);
  });

  it("subscribes existing members at their next command once pushTopic is turned on, and unsubscribes once off", () => {
    let snapshot = run([grantPush(), register("t1"), enter("aud-topic")], new Set()).at(-1)?.snapshot;
    const again = (topics: ReadonlySet<string>) => {
      const result = applyCommand(snapshot, enter("aud-topic"), at(9), [], NO_JOURNEYS, topics);
      snapshot = result.snapshot;
      return result;
    };
    expect(topicChanges(again(TOPICS))).toEqual(["aud-topic +t1 -"]);
    expect(topicChanges(again(TOPICS))).toEqual([]);
    expect(topicChanges(again(new Set()))).toEqual(["aud-topic + -t1"]);
  });

  it("decides again on a PUSH_TOPIC run's refresh and answers it unchanged, member or not", () => {
    const base = [grantPush(), register("t1"), enter("aud-topic")];
    let snapshot = run(base, new Set()).at(-1)?.snapshot;
    const refresh = command("pushTopic.refresh", { audienceId: "aud-topic", runId: "run-9" });
    const refreshed = applyCommand(snapshot, refresh, at(9), [], NO_JOURNEYS, TOPICS);
    snapshot = refreshed.snapshot;
    expect(topicChanges(refreshed)).toEqual(["aud-topic +t1 -"]);
    expect(refreshed.facts.filter((fact) => fact.type === "membership.unchanged")).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-topic", runId: "run-9", member: true } },
    ]);
    const absent = applyCommand(undefined, refresh, at(9), [], NO_JOURNEYS, TOPICS);
    expect(absent.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-topic", runId: "run-9", member: false } },
    ]);
  });
});
