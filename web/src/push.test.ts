import { describe, expect, it } from "vitest";
import { keyBytes, pushSupported, subscriptionId } from "./push";

describe("web push", () => {
  it("turns the server's base64url VAPID key into the 65 bytes of its point", () => {
    const key = "BA" + "A".repeat(85); // 0x04 then zeros: 65 bytes, no padding
    const bytes = keyBytes(key);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
    expect([...keyBytes("-_8")]).toEqual([0xfb, 0xff]);
  });

  it("names a subscription as the server does (SHA-256 of the endpoint, 32 hex digits)", async () => {
    // python: hashlib.sha256(b"https://fcm.googleapis.com/fcm/send/x").hexdigest()[:32]
    expect(await subscriptionId("https://fcm.googleapis.com/fcm/send/x")).toBe("255345e0befef3312e0b971eb0dbcc2c");
  });

  it("needs service workers, the Push API and notifications", () => {
    expect(pushSupported({ navigator: {} } as unknown as typeof globalThis)).toBe(false);
    const full = { navigator: { serviceWorker: {} }, PushManager: class {}, Notification: class {} };
    expect(pushSupported(full as unknown as typeof globalThis)).toBe(true);
  });
});
