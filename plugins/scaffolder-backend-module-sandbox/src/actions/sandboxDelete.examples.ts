import { TemplateExample } from '@backstage/plugin-scaffolder-node';

// Written as YAML text rather than with yaml.stringify: `yaml` is only a devDependency here.
export const examples: TemplateExample[] = [
  {
    description:
      'Delete the sandbox an earlier step created and wait until it is gone.',
    example: `steps:
  - id: delete
    action: sandbox:delete
    name: Delete sandbox
    input:
      id: \${{ steps['create'].output.id }}
`,
  },
  {
    description: 'Request the deletion of a sandbox without waiting for it.',
    example: `steps:
  - id: delete
    action: sandbox:delete
    name: Delete sandbox
    input:
      id: sbx-0123456789
      wait: false
`,
  },
];
