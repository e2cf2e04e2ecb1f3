import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { shareStatusText, type ShareStatus } from "./share-panel";

const share: ShareStatus = {
  id: "a".repeat(32),
  recipient: "grup-cabang",
  status: "pending",
  progress: 0.5,
  error: "",
  link_expires_at: null,
};

afterEach(() => setLang("id"));

describe("share status", () => {
  it("follows the share from cutting to sent, in the site's clock", () => {
    expect(shareStatusText(share, "Asia/Makassar")).toBe("Menyiapkan dan mengirim klip… 50%");
    const sent = { ...share, status: "delivered", link_expires_at: "2026-12-06T15:00:00Z" };
    expect(shareStatusText(sent, "Asia/Makassar")).toBe(
      "Terkirim ke grup-cabang. Tautan berlaku sampai 06/12/2026 23:00:00 WITA.");
    setLang("en");
    const failed = { ...share, status: "failed", error: "the clip failed: no footage" };
    expect(shareStatusText(failed, "Asia/Jakarta")).toBe("Sharing failed: the clip failed: no footage");
  });
});
