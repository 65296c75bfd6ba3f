import { ICON_SVG, iconPng } from "./icons";
import { MANIFEST } from "./manifest";

/**
 * The installable app's static files, as (name, content) pairs for the build
 * to emit into dist/client (vite.config.ts). The service worker itself is a
 * bundle entry (src/web/pwa/sw.ts → /sw.js).
 */
export async function pwaFiles(): Promise<Array<{ fileName: string; source: string | Uint8Array }>> {
  return [
    { fileName: "manifest.webmanifest", source: JSON.stringify(MANIFEST, null, 2) },
    { fileName: "icon.svg", source: ICON_SVG },
    { fileName: "icon-192.png", source: await iconPng(192) },
    { fileName: "icon-512.png", source: await iconPng(512) },
    { fileName: "icon-maskable-512.png", source: await iconPng(512, true) }
  ];
}
