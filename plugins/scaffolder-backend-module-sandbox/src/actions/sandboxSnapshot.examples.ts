import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Back up the /workspace of the sandbox an earlier step created.',
    example: `steps:
  - id: snapshot
    action: sandbox:snapshot
    name: Back up sandbox
    input:
      id: \${{ steps['create'].output.id }}
`,
  },
];
