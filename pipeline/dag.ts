/**
 * The stage DAG of one config: validation (duplicate names, unknown inputs, cycles), topological
 * order, name/family lookup and Mermaid/DOT rendering. Light: no zod, no YAML.
 */
import type { Stage } from "./stage.ts";

/** A validated DAG. */
export interface Dag {
  /** Stages in dependency order (inputs before users), stable with respect to the listing. */
  order: Stage<unknown>[];
  byName: Map<string, Stage<unknown>>;
}

/** A DAG that cannot be built: duplicate names, an input outside the pipeline or a cycle. */
export class DagError extends Error {
  override name = "DagError";
}

/** Validates `stages` and orders them. */
export function buildDag(stages: Stage<unknown>[]): Dag {
  const byName = new Map<string, Stage<unknown>>();
  for (const s of stages) {
    const prev = byName.get(s.name);
    if (prev && prev !== s) {
      throw new DagError(
        `duplicate stage name "${s.name}": two different stages use it; give each a unique name ` +
          `(instances can use "${s.family}@<instance>")`,
      );
    }
    byName.set(s.name, s);
  }
  for (const s of byName.values()) {
    for (const [inName, dep] of Object.entries(s.inputs)) {
      const known = byName.get(dep.name);
      if (!known) {
        throw new DagError(
          `stage "${s.name}" input "${inName}" is stage "${dep.name}", which is not in the ` +
            `pipeline; known stages: ${[...byName.keys()].join(", ")}`,
        );
      }
      if (known !== dep) {
        throw new DagError(
          `stage "${s.name}" input "${inName}" names stage "${dep.name}" but is a different ` +
            `stage object than the pipeline's "${dep.name}" (duplicate name)`,
        );
      }
    }
  }
  const order: Stage<unknown>[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (s: Stage<unknown>, path: string[]): void => {
    const st = state.get(s.name);
    if (st === 2) return;
    if (st === 1) {
      const from = path.indexOf(s.name);
      throw new DagError(`cycle in the stage graph: ${[...path.slice(from), s.name].join(" → ")}`);
    }
    state.set(s.name, 1);
    for (const dep of Object.values(s.inputs)) visit(byName.get(dep.name)!, [...path, s.name]);
    state.set(s.name, 2);
    order.push(s);
  };
  for (const s of byName.values()) visit(s, []);
  return { order, byName };
}

/**
 * Stages matching `pattern`: an exact name, or a family (`stage2` matches `stage2@seed0`, ...).
 * Throws with the known names when nothing matches.
 */
export function matchStages(dag: Dag, pattern: string): Stage<unknown>[] {
  const exact = dag.byName.get(pattern);
  if (exact) return [exact];
  const fam = dag.order.filter((s) => s.family === pattern);
  if (fam.length > 0) return fam;
  throw new DagError(
    `unknown stage "${pattern}"; known stages: ${dag.order.map((s) => s.name).join(", ")}`,
  );
}

/** `targets` plus everything they transitively need, in dependency order. */
export function upstreamClosure(dag: Dag, targets: Stage<unknown>[]): Stage<unknown>[] {
  const need = new Set<string>();
  const add = (s: Stage<unknown>) => {
    if (need.has(s.name)) return;
    need.add(s.name);
    for (const d of Object.values(s.inputs)) add(d);
  };
  targets.forEach(add);
  return dag.order.filter((s) => need.has(s.name));
}

function nodeId(name: string): string {
  return "n_" + name.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Mermaid flowchart of the DAG; `states` adds a cached/stale/missing class per node. */
export function toMermaid(dag: Dag, states?: Map<string, string>): string {
  const lines = ["flowchart LR"];
  for (const s of dag.order) {
    const st = states?.get(s.name);
    lines.push(`  ${nodeId(s.name)}["${s.name}${st ? ` (${st})` : ""}"]`);
  }
  for (const s of dag.order) {
    for (const [inName, d] of Object.entries(s.inputs)) {
      const label = inName === d.name ? "" : `|${inName}|`;
      lines.push(`  ${nodeId(d.name)} -->${label} ${nodeId(s.name)}`);
    }
  }
  return lines.join("\n");
}

/** Graphviz DOT of the DAG. */
export function toDot(dag: Dag, states?: Map<string, string>): string {
  const color: Record<string, string> = { cached: "palegreen", stale: "khaki", missing: "white" };
  const lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box, style=filled];"];
  for (const s of dag.order) {
    const st = states?.get(s.name);
    const fill = st ? color[st] ?? "white" : "white";
    lines.push(`  "${s.name}" [fillcolor=${fill}${st ? `, xlabel="${st}"` : ""}];`);
  }
  for (const s of dag.order) {
    for (const [inName, d] of Object.entries(s.inputs)) {
      lines.push(`  "${d.name}" -> "${s.name}"${inName === d.name ? "" : ` [label="${inName}"]`};`);
    }
  }
  lines.push("}");
  return lines.join("\n");
}

/** A plain-text listing: one stage per line with its inputs. */
export function toText(dag: Dag, states?: Map<string, string>): string {
  return dag.order.map((s) => {
    const ins = Object.values(s.inputs).map((d) => d.name);
    const st = states?.get(s.name);
    return `${s.name}${st ? ` [${st}]` : ""}${ins.length ? ` ← ${ins.join(", ")}` : ""}`;
  }).join("\n");
}
