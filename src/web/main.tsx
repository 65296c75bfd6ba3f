import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { z } from "zod";
import { App } from "./app";
import "./styles.css";
import { registerServiceWorker } from "./pwa/register";

// The page's CSP has no 'unsafe-eval': zod (in the AI SDK's UI layer) would probe `Function("")` to
// decide whether to compile its parsers, and each probe is a CSP violation report. Skip the probe.
z.config({ jitless: true });

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

registerServiceWorker();

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>
);
