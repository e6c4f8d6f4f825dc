// Reads and converts Bicep files once per evaluation; modules used in loops share one parsed template.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Template } from './ast.js';
import { convertTemplate } from './declarations.js';
import { BicepError } from './errors.js';
import { withSyntaxTree } from './grammar.js';

export class Loader {
  private readonly templates = new Map<string, Template>();

  load(file: string): Template {
    const absolute = path.resolve(file);
    let template = this.templates.get(absolute);
    if (!template) {
      let source: string;
      try {
        source = readFileSync(absolute, 'utf8');
      } catch (error) {
        throw new BicepError(`cannot read Bicep file ${absolute}: ${(error as Error).message}`);
      }
      template = withSyntaxTree(absolute, source, (root) => convertTemplate({ file: absolute, source }, root));
      this.templates.set(absolute, template);
    }
    return template;
  }
}
