// Keeps the viewer's code in small named parts: no function (closures and class
// methods included, measured with everything nested inside them) over
// MAX_FUNCTION_LINES and no module over MAX_MODULE_LINES. Tests are not measured.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const MAX_FUNCTION_LINES = 60;
const MAX_MODULE_LINES = 400;
const SRC = fileURLToPath(new URL(".", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const measured = entry.name.endsWith(".ts") && !/\.(test|d)\.ts$/.test(entry.name);
    return measured ? [path] : [];
  });
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return "(anonymous)";
}

interface LongFunction {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** Every function in `text` longer than `max` lines, from its first line to its last. */
function longFunctions(file: string, text: string, max = MAX_FUNCTION_LINES): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) found.push({ file, name: functionName(node), line: first + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

describe("code size", () => {
  it("finds a long function, a long closure and a long method", () => {
    const body = Array.from({ length: 60 }, (_, i) => `  const a${i} = ${i};`).join("\n");
    const text = [
      `function short() {\n  return 1;\n}`,
      `export function long() {\n${body}\n}`,
      `const view = () => {\n${body}\n};`,
      `class Tile {\n  method() {\n${body}\n  }\n}`,
    ].join("\n");
    const names = longFunctions("x.ts", text).map((found) => `${found.name}:${found.lines}`);
    expect(names).toEqual(["long:62", "view:62", "method:62"]);
  });

  it("has no function in web/src over ~60 lines", () => {
    const found = sourceFiles(SRC).flatMap((path) =>
      longFunctions(relative(SRC, path), readFileSync(path, "utf-8")),
    );
    expect(found.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
  });

  it("has no module in web/src over ~400 lines", () => {
    const found = sourceFiles(SRC)
      .map((path) => ({ file: relative(SRC, path), lines: lineCount(readFileSync(path, "utf-8")) }))
      .filter((module) => module.lines > MAX_MODULE_LINES);
    expect(found.map((m) => `${m.file} (${m.lines} lines)`)).toEqual([]);
  });
});
