// Validates Kubernetes manifests against the Kubernetes API schemas, offline:
//  - every field name and value type, against the API models of @kubernetes/client-node (generated
//    from the Kubernetes OpenAPI spec): a misspelled field (readinesProbe) is an error, where
//    kubectl apply would warn or silently drop it;
//  - required fields, formats and value types again, with the JSON schemas of kubernetes-models.
//
//   node check-manifests.mjs DIR_OR_FILE...     (exit 0: all valid; 1: errors, one per line)
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAP = /^\{ \[key: string\]: (.+); \}$/;
const ARRAY = /^Array<(.+)>$/;

/** Errors of `value` against the client-node model type `type`, at `path`. */
function check(value, type, format, path, errors) {
  if (value === null || value === undefined) {
    return;
  }
  if (type === 'any' || type === 'object') {
    return;
  }
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') errors.push(`${path}: must be a string, is ${JSON.stringify(value)}`);
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${path}: must be true or false, is ${JSON.stringify(value)}`);
    return;
  }
  if (type === 'number') {
    const integer = format === 'int32' || format === 'int64';
    if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
      errors.push(`${path}: must be ${integer ? 'an integer' : 'a number'}, is ${JSON.stringify(value)}`);
    }
    return;
  }
  if (type === 'IntOrString') {
    if (!(typeof value === 'string' || Number.isInteger(value))) {
      errors.push(`${path}: must be an integer or a string, is ${JSON.stringify(value)}`);
    }
    return;
  }
  let match = ARRAY.exec(type);
  if (match) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: must be a list`);
      return;
    }
    value.forEach((item, i) => check(item, match[1], undefined, `${path}[${i}]`, errors));
    return;
  }
  match = MAP.exec(type);
  if (match) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`${path}: must be a map`);
      return;
    }
    for (const [key, item] of Object.entries(value)) check(item, match[1], undefined, `${path}.${key}`, errors);
    return;
  }
  const model = k8s[type];
  if (typeof model?.getAttributeTypeMap !== 'function') {
    errors.push(`${path}: no schema for type ${type}`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`${path}: must be an object (${type})`);
    return;
  }
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.get(key);
    if (!attribute) {
      errors.push(`${path}: unknown field "${key}" (${type} has ${[...attributes.keys()].join(', ')})`);
      continue;
    }
    check(item, attribute.type, attribute.format, `${path}.${key}`, errors);
  }
}

/** client-node's model class name for apiVersion + kind: apps/v1 Deployment -> V1Deployment. */
function modelName(apiVersion, kind) {
  const version = apiVersion.split('/').pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

async function validate(document, where) {
  const errors = [];
  if (typeof document?.apiVersion !== 'string' || typeof document?.kind !== 'string') {
    return [`${where}: apiVersion and kind are required`];
  }
  const name = `${document.kind} ${document.metadata?.name ?? '(no name)'}`;
  check(document, modelName(document.apiVersion, document.kind), undefined, `${where} ${name}`, errors);
  // kubernetes-models names its modules after apiVersion: v1/ConfigMap, apps/v1/Deployment.
  let Model;
  try {
    Model = (await import(`kubernetes-models/${document.apiVersion}/${document.kind}`))[document.kind];
  } catch (e) {
    errors.push(`${where} ${name}: no JSON schema for ${document.apiVersion} ${document.kind}`);
  }
  if (Model) {
    try {
      new Model(document).validate();
    } catch (e) {
      errors.push(`${where} ${name}: ${e.message}`);
    }
  }
  return errors;
}

function manifests(paths) {
  return paths.flatMap((path) => (statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(path, f))
    : [path]));
}

const files = manifests(process.argv.slice(2));
if (files.length === 0) {
  console.error('usage: node check-manifests.mjs DIR_OR_FILE...  (no .yaml files found)');
  process.exit(2);
}
let failed = false;
for (const file of files) {
  const documents = yaml.loadAll(readFileSync(file, 'utf8')).filter((d) => d !== null && d !== undefined);
  const errors = [];
  for (const [i, document] of documents.entries()) {
    errors.push(...(await validate(document, `${file}#${i + 1}`)));
  }
  if (errors.length > 0) {
    failed = true;
    errors.forEach((e) => console.log(`INVALID ${e}`));
  } else {
    console.log(`valid ${file}: ${documents.map((d) => `${d.kind} ${d.metadata?.name}`).join(', ')}`);
  }
}
process.exit(failed ? 1 : 0);
