/**
 * Scrapes a service's metrics listener and reads the text with a real
 * Prometheus text-format parser (parse-prometheus-text-format, a port of the
 * Prometheus Go client's parser), checking what Prometheus itself would
 * refuse or mangle: duplicate families, missing HELP, unknown types, counters
 * not named `_total`, values that are not numbers.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { METRICS_CONTENT_TYPE } from "../../signaling/metrics.ts";

interface Sample {
  value: string;
  labels?: Record<string, string>;
}

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}

const parse = parsePrometheusTextFormat as (text: string) => Family[];

/** Prometheus' metric and label name syntax. */
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class Scrape {
  readonly #families: Map<string, Family>;

  constructor(text: string) {
    ok(text.endsWith("\n"), "the exposition must end with a line feed");
    this.#families = new Map();
    for (const family of parse(text)) {
      ok(!this.#families.has(family.name), `family ${family.name} appears twice`);
      ok(NAME.test(family.name), `bad metric name ${family.name}`);
      ok(family.help !== "", `${family.name} has no HELP`);
      ok(family.type === "COUNTER" || family.type === "GAUGE", `${family.name}: ${family.type}`);
      if (family.type === "COUNTER") ok(family.name.endsWith("_total"), family.name);
      const seen = new Set<string>();
      for (const sample of family.metrics) {
        const labels = JSON.stringify(sample.labels ?? {});
        ok(!seen.has(labels), `${family.name}${labels} appears twice`);
        seen.add(labels);
        for (const label of Object.keys(sample.labels ?? {})) ok(NAME.test(label), label);
        ok(Number.isFinite(Number(sample.value)), `${family.name}${labels} = ${sample.value}`);
      }
      this.#families.set(family.name, family);
    }
  }

  /** Every family's name, in the order served. */
  names(): string[] {
    return [...this.#families.keys()];
  }

  has(name: string): boolean {
    return this.#families.has(name);
  }

  type(name: string): string {
    return this.#family(name).type;
  }

  /** The values of one label of a family, in order. */
  labelValues(name: string, label: string): string[] {
    return this.#family(name).metrics.map((sample) => sample.labels?.[label] ?? "");
  }

  /** The sample with exactly these labels (none for a plain metric); throws if absent. */
  get(name: string, labels: Record<string, string> = {}): number {
    const sample = this.#family(name).metrics.find((s) => {
      try {
        deepStrictEqual(s.labels ?? {}, labels);
        return true;
      } catch {
        return false;
      }
    });
    if (!sample) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
    return Number(sample.value);
  }

  #family(name: string): Family {
    const family = this.#families.get(name);
    if (!family) throw new Error(`no metric family ${name}`);
    return family;
  }
}

export function metricsUrl(port: number, path = "/metrics"): string {
  return `http://127.0.0.1:${port}${path}`;
}

export async function scrape(port: number): Promise<Scrape> {
  const response = await fetch(metricsUrl(port));
  const text = await response.text();
  strictEqual(response.status, 200, text);
  strictEqual(response.headers.get("content-type"), METRICS_CONTENT_TYPE);
  return new Scrape(text);
}

/** Scrapes until `done` holds (the service settles a close asynchronously); throws after 3 s. */
export async function scrapeUntil(
  port: number,
  done: (scrape: Scrape) => boolean,
  what: string,
): Promise<Scrape> {
  const deadline = Date.now() + 3000;
  while (true) {
    const current = await scrape(port);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
