/**
 * Web push end to end: the Worker encrypts (RFC 8291) and signs (RFC 8292)
 * each notification and POSTs it to the subscription's endpoint, here a
 * loopback push service that checks the VAPID JWT and decrypts the payload
 * with the browser keys this test made. Headless Chromium cannot subscribe
 * at a real push service (no network, no FCM), so the page's
 * `PushManager.subscribe` is the one seam replaced: it hands the Settings
 * page a subscription for the loopback service (with this test's keys) and
 * records the application server key it was given, which must be the key
 * that signs every VAPID token. Everything else is the app's own path: the
 * Settings button, the agent's RPC, the Worker's encryption and signature.
 * The decrypted message is handed to the app's service worker over CDP
 * (ServiceWorker.deliverPushMessage); a real OS notification cannot be
 * clicked headless, so the click is the worker's own handler reached by its
 * message path. Own server and user.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decryptPush, verifyVapid } from "../../src/push/crypto";
import { base64url } from "../../src/shared/bytes";
import { WAIT, readmeShot, app } from "./browser";
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
  vapidKey: string;
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
          received.push({
            ...(JSON.parse(plaintext) as Omit<Received, "plaintext" | "vapidSubject" | "vapidKey">),
            plaintext,
            vapidSubject: claims.sub,
            vapidKey: claims.k
          });
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
let applicationServerKey = "";

async function waitForPush(test: (r: Received) => boolean): Promise<Received> {
  await expect.poll(() => received.some(test), { timeout: 60_000 }).toBe(true);
  expect(problems).toEqual([]);
  return received.find(test)!;
}

describe("web push", () => {
  test("Settings turns notifications on: the subscription is stored with the agent's key; the opt-in kinds show", async () => {
    await page.context().grantPermissions(["notifications"], { origin: baseURL });
    // The push service seam (see the header): a subscription at the loopback service, with this test's keys.
    await page.addInitScript(
      ({ endpoint, p256dh, auth }) => {
        const subscription = {
          endpoint,
          expirationTime: null,
          toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
          unsubscribe: async () => true
        };
        let current: typeof subscription | null = null;
        PushManager.prototype.getSubscription = async () => current as unknown as PushSubscription;
        PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
          const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
          localStorage.setItem(
            "test:applicationServerKey",
            btoa(String.fromCharCode(...key))
              .replace(/\+/g, "-")
              .replace(/\//g, "_")
              .replace(/=+$/, "")
          );
          current = subscription;
          return subscription as unknown as PushSubscription;
        };
      },
      { endpoint, p256dh: base64url(receiver.publicKey), auth: base64url(receiver.auth) }
    );
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await page.evaluate(() => navigator.serviceWorker.ready);
    cdp = await page.context().newCDPSession(page);
    // The app's registration, kept current: an update can replace it (the replaced one is reported deleted).
    cdp.on(
      "ServiceWorker.workerRegistrationUpdated",
      ({ registrations }: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
        const ours = registrations.find((r) => r.scopeURL === `${baseURL}/` && !r.isDeleted);
        if (ours) registrationId = ours.registrationId;
      }
    );
    await cdp.send("ServiceWorker.enable");
    await expect.poll(() => registrationId, WAIT).not.toBe("");

    await page.goto(`${baseURL}/#/settings`);
    const section = page.getByRole("region", { name: "Notifications" });
    await expect.poll(() => section.innerText(), WAIT).toContain("Notifications are off for this device.");
    await section.getByRole("button", { name: "Turn on notifications on this device" }).click();
    await expect.poll(() => section.innerText(), WAIT).toContain("Notifications are on for this device.");
    const stored = await rpc<{ kinds: Record<string, boolean>; endpoints: string[]; publicKey: string }>(baseURL, "getPushSettings", []);
    expect(stored.endpoints).toEqual([endpoint]);
    // The page subscribed with the agent's application server key.
    expect(await page.evaluate(() => localStorage.getItem("test:applicationServerKey"))).toBe(stored.publicKey);
    applicationServerKey = stored.publicKey;
    // Turned on with no kind chosen: every kind. The owner then opts out of one.
    await expect.poll(() => section.getByRole("checkbox", { name: "An email thread was answered" }).isChecked(), WAIT).toBe(true);
    // A controlled box: it changes when the agent has stored the choice.
    await section.getByRole("checkbox", { name: "An email thread was answered" }).click();
    await expect.poll(() => section.getByRole("checkbox", { name: "An email thread was answered" }).isChecked(), WAIT).toBe(false);
    expect(await section.getByRole("checkbox", { name: "A scheduled task has a result" }).isChecked()).toBe(true);
    expect((await rpc<{ kinds: Record<string, boolean> }>(baseURL, "getPushSettings", [])).kinds).toMatchObject({ task: true, approval: true, email: false });
    expect(await section.innerText()).toContain("1 device receives notifications.");
    await section.screenshot({ path: readmeShot("daily-settings-notifications.png") });
  });

  test("a task result arrives by push (VAPID checked, payload decrypted); clicking it opens the task's chat", async () => {
    const task = await rpc<{ id: string }>(baseURL, "createTask", [{ when: "every day at 09:00", prompt: "/run 40+2", title: "The answer" }]);
    await rpc(baseURL, "runTaskNow", [task.id]);
    const push = await waitForPush((r) => r.title === "The answer");
    expect(push.body).toContain("42");
    expect(push.vapidSubject).toMatch(/^mailto:/);
    // Signed by the key the browser subscribed with, as a real push service requires.
    expect(push.vapidKey).toBe(applicationServerKey);
    const session = (await rpc<Array<{ id: string; sessionId: string | null }>>(baseURL, "listTasks", [])).find((t) => t.id === task.id)!.sessionId!;
    expect(push.url).toBe(`/#/chat/${session}`);

    // The browser's side: the service worker shows it.
    await page.goto(`${baseURL}/#/settings`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          url: (n.data as { url: string }).url
        }))
      );
    const expected = { title: "The answer", body: push.body, url: push.url };
    // Delivered as a push service does: again until the worker has shown it (a worker starting up can miss one).
    for (let attempt = 0; attempt < 4 && !(await shown()).some((n) => JSON.stringify(n) === JSON.stringify(expected)); attempt++) {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin: baseURL, registrationId, data: push.plaintext });
      await expect
        .poll(shown, { timeout: 5_000 })
        .toContainEqual(expected)
        .catch(() => undefined);
    }
    expect(await shown()).toContainEqual(expected);
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
