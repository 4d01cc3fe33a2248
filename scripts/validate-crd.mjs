#!/usr/bin/env node
// Check Argo CD and Flux documents against their CRD schemas (the @kubernetes-models
// packages that scripts/install-tools.sh puts in .tools/node). Usage:
//   node scripts/validate-crd.mjs FILE...
// Every YAML document of a known apiVersion/kind is validated; other kinds are ignored.
// Exits 1 when any document (or file) is invalid, 2 on a usage error.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(process.env.GALLEY_TOOLS ?? join(here, "..", ".tools"), "node", "node_modules");
const load = (file) => import(pathToFileURL(join(modules, file)).href);

const argo = "@kubernetes-models/argo-cd/argoproj.io";
const flux = "@kubernetes-models/flux-cd";
const MODELS = {
  "argoproj.io/v1alpha1 Application": `${argo}/v1alpha1/Application.js`,
  "helm.toolkit.fluxcd.io/v2 HelmRelease": `${flux}/helm.toolkit.fluxcd.io/v2/HelmRelease.js`,
  "source.toolkit.fluxcd.io/v1 HelmRepository": `${flux}/source.toolkit.fluxcd.io/v1/HelmRepository.js`,
  "source.toolkit.fluxcd.io/v1 OCIRepository": `${flux}/source.toolkit.fluxcd.io/v1/OCIRepository.js`,
  "source.toolkit.fluxcd.io/v1 GitRepository": `${flux}/source.toolkit.fluxcd.io/v1/GitRepository.js`,
  "kustomize.toolkit.fluxcd.io/v1 Kustomization": `${flux}/kustomize.toolkit.fluxcd.io/v1/Kustomization.js`,
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: validate-crd.mjs FILE...");
  process.exit(2);
}
if (!existsSync(join(modules, "@kubernetes-models"))) {
  console.error(`validate-crd: no schema models in ${modules}; run \`make tools\``);
  process.exit(2);
}
const { loadAll } = await load("js-yaml/dist/js-yaml.mjs");
let valid = 0;
let invalid = 0;
for (const file of files) {
  let docs;
  try {
    docs = loadAll(readFileSync(file, "utf8"));
  } catch (err) {
    console.error(`${file}: cannot read YAML: ${err.message}`);
    invalid++;
    continue;
  }
  for (const [i, doc] of docs.entries()) {
    const model = doc && MODELS[`${doc.apiVersion} ${doc.kind}`];
    if (!model) continue;
    const Model = (await load(model))[doc.kind];
    try {
      new Model(doc).validate();
      valid++;
    } catch (err) {
      console.error(`${file}: document ${i + 1} (${doc.kind} ${doc.metadata?.name ?? "<unnamed>"}) is invalid: ${err.message}`);
      invalid++;
    }
  }
}
console.log(`validate-crd: ${valid} valid, ${invalid} invalid`);
process.exit(invalid > 0 ? 1 : 0);
