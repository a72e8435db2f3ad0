// Build the front-end assets into handoff/static (served by the handoff service).
// Runs at install time (make); nothing is fetched at run time.
import { build } from "esbuild";
import { cpSync, mkdirSync, existsSync } from "node:fs";

const out = new URL("../handoff/static/vendor/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
cpSync("node_modules/@utrecht/component-library-css/dist/index.css", out + "utrecht-components.css");
// The example theme (EUPL-1.2). A gemeente replaces theme.css with its own design tokens.
cpSync("node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css", out + "theme.css");
cpSync("node_modules/axe-core/axe.min.js", out + "axe.min.js");

if (existsSync("src/widget.js")) {
  await build({
    entryPoints: ["src/widget.js"],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2019"],
    outfile: new URL("../handoff/static/widget/zelfscan-widget.js", import.meta.url).pathname,
  });
  cpSync("src/widget.css", new URL("../handoff/static/widget/zelfscan-widget.css", import.meta.url).pathname);
}
// The staff dashboard's charts: Chart.js bundled with src/dashboard.js into one file served
// from the inbox's own origin (its Content-Security-Policy allows only 'self' scripts).
await build({
  entryPoints: ["src/dashboard.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  legalComments: "linked",
  outfile: out + "dashboard.js",
});
console.log("web assets built");
