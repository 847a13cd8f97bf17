/**
 * `deno task readme` writes the element's API tables into README.md between
 * the `<!-- api:start -->` and `<!-- api:end -->` markers, from
 * custom-elements.json (itself generated from the JSDoc). With `--check`
 * (part of `deno task check`) it fails when README.md is not up to date.
 */
const root = new URL("..", import.meta.url).pathname;
const START = "<!-- api:start -->";
const END = "<!-- api:end -->";

interface Documented {
  name: string;
  description?: string;
  default?: string;
  type?: { text: string };
}
interface Member extends Documented {
  kind: "field" | "method";
  privacy?: string;
  static?: boolean;
  readonly?: boolean;
  parameters?: Documented[];
}
interface ElementDeclaration {
  tagName?: string;
  customElement?: boolean;
  attributes?: (Documented & { fieldName?: string })[];
  members?: Member[];
  events?: Documented[];
  slots?: Documented[];
  cssParts?: Documented[];
  cssProperties?: Documented[];
}

/** Table cells must stay on one line and must not end the cell early. */
function cell(text = ""): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}
function code(text = ""): string {
  return text ? `\`${cell(text)}\`` : "";
}
function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return "_None._\n";
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

function apiTables(element: ElementDeclaration): string {
  const attributeFields = new Set((element.attributes ?? []).map((a) => a.fieldName));
  const publicMembers = (element.members ?? []).filter((m) =>
    !m.privacy && !m.static && !m.name.startsWith("#")
  );
  const properties = publicMembers.filter((m) =>
    m.kind === "field" && !attributeFields.has(m.name)
  );
  const methods = publicMembers.filter((m) => m.kind === "method");
  return [
    "### Attributes",
    table(
      ["Attribute", "Property", "Type", "Default", "Description"],
      (element.attributes ?? []).map((a) => [
        code(a.name),
        code(a.fieldName),
        code(a.type?.text),
        code(a.default),
        cell(a.description),
      ]),
    ),
    "### Properties (read-only unless noted)",
    table(
      ["Property", "Type", "Description"],
      properties.map((p) => [
        code(p.name),
        code(p.type?.text),
        cell(p.description) + (p.readonly ? "" : " (writable)"),
      ]),
    ),
    "### Methods",
    table(
      ["Method", "Description"],
      methods.map((m) => [
        code(`${m.name}(${(m.parameters ?? []).map((p) => p.name).join(", ")})`),
        cell(m.description),
      ]),
    ),
    "### Events",
    table(
      ["Event", "Class", "Description"],
      (element.events ?? []).map((e) => [code(e.name), code(e.type?.text), cell(e.description)]),
    ),
    "### Slots",
    table(
      ["Slot", "Description"],
      (element.slots ?? []).map((s) => [code(s.name), cell(s.description)]),
    ),
    "### CSS parts",
    table(
      ["Part", "Description"],
      (element.cssParts ?? []).map((p) => [code(p.name), cell(p.description)]),
    ),
    "### CSS custom properties",
    table(
      ["Property", "Default", "Description"],
      (element.cssProperties ?? []).map((
        p,
      ) => [code(p.name), code(p.default), cell(p.description)]),
    ),
  ].join("\n\n");
}

const manifest = JSON.parse(await Deno.readTextFile(`${root}custom-elements.json`));
const element: ElementDeclaration | undefined = manifest.modules
  .flatMap((m: { declarations?: ElementDeclaration[] }) => m.declarations ?? [])
  .find((d: ElementDeclaration) => d.customElement && d.tagName === "p2p-call");
if (!element) throw new Error("custom-elements.json has no <p2p-call> declaration");

const readme = await Deno.readTextFile(`${root}README.md`);
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md needs ${START} and ${END} markers`);
const updated = `${readme.slice(0, start + START.length)}\n${apiTables(element)}\n${
  readme.slice(end)
}`;

if (Deno.args.includes("--check")) {
  if (updated !== readme) {
    console.error("README.md's API tables are stale: run `deno task readme` and commit.");
    Deno.exit(1);
  }
  console.log("README.md's API tables are up to date.");
} else {
  await Deno.writeTextFile(`${root}README.md`, updated);
}
