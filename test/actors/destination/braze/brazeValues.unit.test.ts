import { describe, expect, it } from "vitest";
import {
  customAttributes,
  cutText,
  flattenProperties,
  refusedPropertyKey,
  safeKeys,
} from "../../../../actors/destination/braze/brazeValues.ts";

describe("flattenProperties", () => {
  it("flattens nested objects to parent_child keys, at any depth", () => {
    expect(flattenProperties({ a: { b: { c: 1 }, d: "x" }, e: true })).toEqual({ a_b_c: 1, a_d: "x", e: true });
  });

  it("keeps arrays as values, arrays of objects too, with their strings cut and $ keys renamed", () => {
    const long = "z".repeat(300);
    expect(flattenProperties({ ids: [1, 2], lines: [{ sku: long, $meta: { time: 1 } }] })).toEqual({
      ids: [1, 2],
      lines: [{ sku: "z".repeat(255), _$meta: { time: 1 } }],
    });
  });

  it("drops null leaves and objects left empty", () => {
    expect(flattenProperties({ a: null, b: {}, c: { d: null }, e: 0 })).toEqual({ e: 0 });
  });

  it("renames reserved keys with a leading _", () => {
    expect(flattenProperties({ time: 1, event_name: 2, $x: 3, "": 4 })).toEqual({
      _time: 1,
      _event_name: 2,
      _$x: 3,
      _: 4,
    });
  });

  it("never lets two keys overwrite each other: keys kept as given win, the others get _2, _3", () => {
    expect(flattenProperties({ time: 1, _time: 2, a: { b: 3 }, a_b: 4, c: { d: 5 }, c_d_2: 6, "c.d": 7 })).toEqual({
      _time_2: 1,
      _time: 2,
      a_b_2: 3,
      a_b: 4,
      c_d: 5,
      c_d_2: 6,
      "c.d": 7,
    });
    expect(flattenProperties({ x: { y: 1 }, x_y: { "": 2 }, x_y_: 3 })).toEqual({ x_y: 1, x_y__2: 2, x_y_: 3 });
  });

  it("cuts keys to 255 characters, still unique", () => {
    const a = "a".repeat(260);
    const flat = flattenProperties({ [a]: 1, [`${a}b`]: 2 });
    expect(Object.keys(flat)).toEqual(["a".repeat(255), `${"a".repeat(253)}_2`]);
    expect(Object.values(flat)).toEqual([1, 2]);
  });

  it("keeps a __proto__ key as data", () => {
    const flat = flattenProperties(JSON.parse('{"__proto__":{"polluted":1}}'));
    expect(flat).toEqual({ __proto___polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("safeKeys", () => {
  it("renames a refused key that collides after renaming", () => {
    expect(safeKeys([["time"], ["_time"], ["_time_2"]], refusedPropertyKey)).toEqual(["_time_3", "_time", "_time_2"]);
  });
});

describe("customAttributes", () => {
  it("keeps nested objects (Braze nested attributes), renaming operator-like keys at their first level", () => {
    expect(customAttributes({ pet: { name: "Rex", add: 1, inc: 2, remove: 3, vet: { add: "st" } } })).toEqual({
      pet: { name: "Rex", _add: 1, _inc: 2, _remove: 3, vet: { add: "st" } },
    });
  });
});

describe("cutText", () => {
  it("counts characters, never splitting a surrogate pair", () => {
    const text = `${"a".repeat(254)}😀😀`;
    expect(cutText(text)).toBe(`${"a".repeat(254)}😀`);
    expect(cutText("short")).toBe("short");
  });
});
