// Every visible string goes through vue-i18n, and both languages have every key.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { NodeTypes, type TemplateChildNode } from "@vue/compiler-dom";
import { parse } from "vue/compiler-sfc";

import en from "../src/locales/en";
import ru from "../src/locales/ru";

const SRC = fileURLToPath(new URL("../src", import.meta.url));
const LOCALES = { en, ru } as Record<string, object>;
// Attributes a user reads (or hears) that must be translated too.
const VISIBLE_ATTRIBUTES = new Set(["placeholder", "title", "aria-label", "alt", "label"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "locales" ? [] : sources(path);
    return /\.(ts|vue)$/.test(entry.name) ? [path] : [];
  });
}

function keysOf(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null
      ? keysOf(value as object, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

function lookup(tree: object, key: string): unknown {
  return key
    .split(".")
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);
}

/** Keys used as t("a.b"), and prefixes of keys built at run time as t(`a.${x}`). */
function usedKeys(): { keys: Set<string>; prefixes: Set<string> } {
  const keys = new Set<string>();
  const prefixes = new Set<string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\bt\(\s*["']([\w.]+)["']/g)) keys.add(match[1]!);
    for (const match of text.matchAll(/\bt\(\s*`([\w.]+)\.\$\{/g)) prefixes.add(match[1]!);
  }
  return { keys, prefixes };
}

function rawTexts(nodes: TemplateChildNode[]): string[] {
  const found: string[] = [];
  for (const node of nodes) {
    if (node.type === NodeTypes.TEXT && /\p{L}/u.test(node.content)) found.push(node.content.trim());
    if (node.type === NodeTypes.ELEMENT) {
      for (const prop of node.props) {
        if (
          prop.type === NodeTypes.ATTRIBUTE &&
          VISIBLE_ATTRIBUTES.has(prop.name) &&
          /\p{L}/u.test(prop.value?.content ?? "")
        ) {
          found.push(`${prop.name}="${prop.value?.content}"`);
        }
      }
      found.push(...rawTexts(node.children));
    }
  }
  return found;
}

describe("translations", () => {
  it("ru and en have the same keys, none empty", () => {
    expect(keysOf(ru).sort()).toEqual(keysOf(en).sort());
    for (const [language, messages] of Object.entries(LOCALES)) {
      for (const key of keysOf(messages)) {
        expect(lookup(messages, key), `${language}: ${key}`).toMatch(/\S/);
      }
    }
  });

  it("every key the code uses exists in both languages", () => {
    const { keys, prefixes } = usedKeys();
    expect(keys.size).toBeGreaterThan(10); // the scan itself works
    const missing: string[] = [];
    for (const [language, messages] of Object.entries(LOCALES)) {
      for (const key of keys) {
        if (typeof lookup(messages, key) !== "string") missing.push(`${language}: ${key}`);
      }
      for (const prefix of prefixes) {
        if (typeof lookup(messages, prefix) !== "object") missing.push(`${language}: ${prefix}.*`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("keys built at run time cover every value", () => {
    for (const messages of Object.values(LOCALES)) {
      for (const status of ["bot", "open", "pending", "snoozed", "resolved"]) {
        expect(lookup(messages, `status.${status}`)).toEqual(expect.any(String));
      }
      for (const language of ["ru", "en"]) {
        expect(lookup(messages, `language.${language}`)).toEqual(expect.any(String));
      }
    }
  });

  it("templates hold no untranslated text", () => {
    const untranslated: string[] = [];
    const files = sources(SRC).filter((file) => file.endsWith(".vue"));
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const { descriptor } = parse(readFileSync(file, "utf8"), { filename: file });
      const ast = descriptor.template?.ast;
      if (!ast) continue;
      for (const text of rawTexts(ast.children)) untranslated.push(`${relative(SRC, file)}: ${text}`);
    }
    expect(untranslated).toEqual([]);
  });
});
