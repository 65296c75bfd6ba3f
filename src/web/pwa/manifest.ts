import { ICON_BLUE } from "./icons";

/** The web app manifest (served as /manifest.webmanifest): what an install prompt and a home screen use. */
export const MANIFEST = {
  name: "Steward",
  short_name: "Steward",
  description: "Your own durable AI agent.",
  id: "/",
  start_url: "/",
  scope: "/",
  display: "standalone",
  background_color: "#f6f6f4",
  theme_color: ICON_BLUE,
  icons: [
    { src: "/icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
    { src: "/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
    { src: "/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
    { src: "/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" }
  ]
} as const;

/** The files the build writes next to index.html, and the service worker caches with the shell. */
export const PWA_FILES = ["/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png", "/icon-maskable-512.png"] as const;
