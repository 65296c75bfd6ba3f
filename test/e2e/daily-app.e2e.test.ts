/**
 * Steward for daily use, the app itself: installable (manifest, icons, an
 * active service worker), opens offline and says so, adopts the browser's
 * time zone on first sign-in only, offers Access sign-out. Own server and
 * user (the time zone is per user).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { WAIT, readmeShot, app } from "./browser";
import { useOwnServer } from "./own-server";

let baseURL = "";
let page: Page;
let ui: ReturnType<typeof app>;

useOwnServer("daily-app", "daily-app", (server) => {
  ({ baseURL, page } = server);
  ui = app(page);
});

const zoneInput = () => page.getByRole("combobox", { name: "IANA time zone" });

describe("installable app", () => {
  test("first sign-in takes the browser's time zone; a choice in Settings stays", async () => {
    // A browser in Tokyo (the page of useOwnServer is this user's first visit).
    const tokyo = await page.context().browser()!.newContext({ timezoneId: "Asia/Tokyo" });
    const first = await tokyo.newPage();
    await first.goto(baseURL);
    await app(first).readyStatus().waitFor(WAIT);
    await first.goto(`${baseURL}/#/settings`);
    await expect.poll(() => first.getByRole("combobox", { name: "IANA time zone" }).inputValue(), WAIT).toBe("Asia/Tokyo");
    await tokyo.close();

    // The owner picks another zone; a visit from a browser elsewhere does not move it.
    await page.goto(`${baseURL}/#/settings`);
    await expect.poll(() => zoneInput().inputValue(), WAIT).toBe("Asia/Tokyo");
    await zoneInput().fill("Europe/Lisbon");
    await page.getByRole("region", { name: "Time zone" }).getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("region", { name: "Time zone" }).getByRole("status").innerText(), WAIT).toBe("Saved: Europe/Lisbon");
    await page.reload();
    await ui.nav().waitFor(WAIT);
    await expect.poll(() => zoneInput().inputValue(), WAIT).toBe("Europe/Lisbon");
  });

  test("the manifest and an active service worker make the app installable", async () => {
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    const manifestHref = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(manifestHref).toBe("/manifest.webmanifest");
    const manifest = (await (await fetch(`${baseURL}${manifestHref}`)).json()) as Record<string, unknown> & { icons: Array<Record<string, string>> };
    expect(manifest).toMatchObject({ name: "Steward", short_name: "Steward", start_url: "/", scope: "/", display: "standalone" });
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));
    for (const icon of manifest.icons) {
      const res = await fetch(`${baseURL}${icon.src}`);
      expect(res.status, icon.src).toBe(200);
      expect(res.headers.get("content-type"), icon.src).toContain(icon.type === "image/svg+xml" ? "svg" : "png");
      if (icon.type === "image/png") expect([...new Uint8Array(await res.arrayBuffer()).slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    }
    // Registered from the app, active, controlling the page, for the whole origin.
    const registration = await page.evaluate(async () => {
      const ready = await navigator.serviceWorker.ready;
      return { scope: ready.scope, state: ready.active?.state, script: ready.active?.scriptURL };
    });
    expect(registration).toEqual({ scope: `${baseURL}/`, state: "activated", script: `${baseURL}/sw.js` });
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), WAIT).toBe(true);
  });

  test("offline, the shell opens from the cache and says it is offline; the API is never cached", async () => {
    await page.reload(); // controlled by the worker, so this load's bundles are in its cache
    await ui.readyStatus().waitFor(WAIT);
    const cached = await page.evaluate(async () => {
      const keys = await (await caches.open("steward-shell-v1")).keys();
      return keys.map((r) => new URL(r.url).pathname);
    });
    expect(cached).toContain("/");
    expect(cached.some((p) => p.startsWith("/assets/"))).toBe(true);
    expect(cached.filter((p) => p.startsWith("/api/") || p.startsWith("/agent"))).toEqual([]);

    await page.context().setOffline(true);
    try {
      await page.reload();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "You are offline" }).count(), WAIT).toBe(1);
      expect(await page.locator("footer").innerText()).toContain("Offline");
      await ui.nav().waitFor(WAIT);
      await page.screenshot({ path: readmeShot("daily-offline.png") });
    } finally {
      await page.context().setOffline(false);
    }
    // Back online: the agent is reached again.
    await ui.readyStatus().waitFor(WAIT);
    expect(await page.getByRole("status").filter({ hasText: "You are offline" }).count()).toBe(0);
  });

  test("an Access user gets a sign-out link; the local dev user does not", async () => {
    expect(await page.locator("footer").getByRole("link", { name: "Sign out" }).count()).toBe(0);
    // What /api/me says behind Access (the identity itself is the Worker's; tested in test/auth.test.ts).
    await page.route("**/api/me", (route) => route.fulfill({ json: { id: "access:someone", email: "owner@example.com", source: "access" } }));
    try {
      await page.reload();
      const signOut = page.locator("footer").getByRole("link", { name: "Sign out" });
      await signOut.waitFor(WAIT);
      expect(await signOut.getAttribute("href")).toBe("/cdn-cgi/access/logout");
      expect(await page.locator("footer").innerText()).toContain("owner@example.com");
    } finally {
      await page.unroute("**/api/me");
    }
  });
});
