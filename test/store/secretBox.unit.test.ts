import { describe, expect, it } from "vitest";
import { createSecretBox } from "../../store/index.ts";

describe("secret box", () => {
  it("seals a secret so the stored form does not show it, and opens it with the same master key only", () => {
    const box = createSecretBox("master-key-0123456789abcdef0123456789");
    const sealed = box.seal("braze-rest-key-123");
    expect(JSON.stringify(sealed)).not.toContain("braze-rest-key-123");
    expect(box.seal("braze-rest-key-123")).not.toEqual(sealed);
    expect(box.open(sealed)).toBe("braze-rest-key-123");
    expect(() => createSecretBox("another-master-key-0123456789abcdef").open(sealed)).toThrow(/MASIVO_MASTER_KEY/);
    expect(() => box.open({ ...sealed, data: Buffer.from("tampered").toString("base64") })).toThrow();
  });
});
