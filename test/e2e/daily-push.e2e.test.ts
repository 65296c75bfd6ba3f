/**
 * Web push end to end: the Worker encrypts (RFC 8291) and signs (RFC 8292)
 * each notification and POSTs it to the subscription's endpoint, here a
 * loopback push service that checks the VAPID JWT and decrypts the payload
 * with the browser keys this test made. Headless Chromium cannot subscribe
 * at a real push service (no network, no FCM), so the subscription is
 * registered over the agent's RPC as the Settings page would, and the
 * decrypted message is handed to the app's service worker over CDP
 * (ServiceWorker.deliverPushMessage); a real OS notification cannot be
 * clicked headless, so the click is the worker's own handler reached by its
 * message path. Own server and user.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { base64url, decryptPush, verifyVapid } from "../../src/push/crypto";
import { join } from "node:path";
import { SHOTS, WAIT, app } from "./browser";
import { rpc } from "./daily-helpers";
import { useOwnServer } from "./own-server";

let baseURL = "";
let page: Page;
let ui: ReturnType<typeof app>;

interface Received {
  title: string;
  body: string;
  url: string;
  tag: string;
  plaintext: string;
  vapidSubject: string;
}

const received: Received[] = [];
const problems: string[] = [];
let pushService: Server;
let endpoint = "";
let receiver: { privateKey: CryptoKey; publicKey: Uint8Array; auth: Uint8Array };

beforeAll(async () => {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  receiver = {
    privateKey: pair.privateKey,
    publicKey: new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer),
    auth: crypto.getRandomValues(new Uint8Array(16))
  };
  pushService = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        try {
          if (req.headers["content-encoding"] !== "aes128gcm") throw new Error(`content-encoding ${req.headers["content-encoding"]}`);
          const claims = await verifyVapid(String(req.headers.authorization), endpoint);
          const plaintext = new TextDecoder().decode(await decryptPush(new Uint8Array(Buffer.concat(chunks)), receiver));
          received.push({ ...(JSON.parse(plaintext) as Omit<Received, "plaintext" | "vapidSubject">), plaintext, vapidSubject: claims.sub });
          res.writeHead(201).end();
        } catch (error) {
          problems.push(String(error));
          res.writeHead(400).end();
        }
      })();
    });
  });
  pushService.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => pushService.listen(0, "127.0.0.1", done));
  const address = pushService.address();
  endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/push/device-1`;
});

afterAll(async () => {
  await new Promise((done) => pushService?.close(done));
});

useOwnServer("daily-push", "pushed", (server) => {
  ({ baseURL, page } = server);
  ui = app(page);
});

let cdp: CDPSession;
let registrationId = "";

async function waitForPush(test: (r: Received) => boolean): Promise<Received> {
  await expect.poll(() => received.some(test), { timeout: 60_000 }).toBe(true);
  expect(problems).toEqual([]);
  return received.find(test)!;
}

describe("web push", () => {
  test("a subscription is stored; Settings shows the opt-in kinds", async () => {
    await page.context().grantPermissions(["notifications"], { origin: baseURL });
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await page.evaluate(() => navigator.serviceWorker.ready);
    cdp = await page.context().newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }: { registrations: Array<{ registrationId: string; scopeURL: string }> }) => {
        const ours = registrations.find((r) => r.scopeURL === `${baseURL}/`);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    registrationId = await registered;

    const settings = await rpc<{ kinds: Record<string, boolean>; endpoints: string[] }>(baseURL, "subscribePush", [
      { endpoint, keys: { p256dh: base64url(receiver.publicKey), auth: base64url(receiver.auth) } },
      { task: true, approval: true }
    ]);
    expect(settings).toMatchObject({ kinds: { task: true, approval: true, email: false }, endpoints: [endpoint] });
    await page.goto(`${baseURL}/#/settings`);
    const section = page.getByRole("region", { name: "Notifications" });
    await expect.poll(() => section.getByRole("checkbox", { name: "A scheduled task has a result" }).isChecked(), WAIT).toBe(true);
    expect(await section.getByRole("checkbox", { name: "An email thread was answered" }).isChecked()).toBe(false);
    expect(await section.innerText()).toContain("1 device receives notifications.");
    await section.screenshot({ path: join(SHOTS, "daily-settings-notifications.png") });
  });

  test("a task result arrives by push (VAPID checked, payload decrypted); clicking it opens the task's chat", async () => {
    const task = await rpc<{ id: string }>(baseURL, "createTask", [{ when: "every day at 09:00", prompt: "/run 40+2", title: "The answer" }]);
    await rpc(baseURL, "runTaskNow", [task.id]);
    const push = await waitForPush((r) => r.title === "The answer");
    expect(push.body).toContain("42");
    expect(push.vapidSubject).toMatch(/^mailto:/);
    const session = (await rpc<Array<{ id: string; sessionId: string | null }>>(baseURL, "listTasks", [])).find((t) => t.id === task.id)!.sessionId!;
    expect(push.url).toBe(`/#/chat/${session}`);

    // The browser's side: the service worker shows it.
    await page.goto(`${baseURL}/#/settings`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: baseURL, registrationId, data: push.plaintext });
    await expect
      .poll(
        () =>
          page.evaluate(async () =>
            (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
              title: n.title,
              body: n.body,
              url: (n.data as { url: string }).url
            }))
          ),
        WAIT
      )
      .toContainEqual({ title: "The answer", body: push.body, url: push.url });
    // Its click opens the chat (the worker's notificationclick work, reached by its message path).
    await page.evaluate((url) => navigator.serviceWorker.controller!.postMessage({ type: "steward:notification-click", url }), push.url);
    await expect.poll(() => new URL(page.url()).hash, WAIT).toBe(`#/chat/${session}`);
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("Task: The answer");
  });

  test("an approval a task waits for reaches the owner by push; the task completes after approval", async () => {
    await rpc(baseURL, "setTierPermission", [1, "ask"]);
    const task = await rpc<{ id: string }>(baseURL, "createTask", [{ when: "every day at 10:00", prompt: "/run 6*7", title: "Needs a yes" }]);
    await rpc(baseURL, "runTaskNow", [task.id]);
    const push = await waitForPush((r) => r.title === "Approval needed: run_code");
    expect(push.body).toContain('Tier 1 (isolate) is set to "ask"');
    // Opened once the chat list has it (a link to a chat the list does not know yet falls back to the newest).
    const chatId = decodeURIComponent(push.url.slice("/#/chat/".length));
    await ui.nav().locator(`li[data-session-id="${chatId}"]`).waitFor(WAIT);
    await page.goto(`${baseURL}${push.url}`);
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("Task: Needs a yes");
    const card = ui.toolCard("run_code");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(
        async () =>
          (await rpc<Array<{ id: string; lastRun: { status: string; result: string | null } | null }>>(baseURL, "listTasks", [])).find((t) => t.id === task.id)
            ?.lastRun,
        { timeout: 60_000 }
      )
      .toMatchObject({ status: "done", result: expect.stringContaining("42") });
    const result = await waitForPush((r) => r.title === "Needs a yes");
    expect(result.body).toContain("42");
    // Each event once.
    expect(received.filter((r) => r.tag === push.tag)).toHaveLength(1);
  });
});
