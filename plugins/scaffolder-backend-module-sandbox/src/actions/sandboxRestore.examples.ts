import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Restore a backup into a new sandbox.',
    example: `steps:
  - id: restore
    action: sandbox:restore
    name: Restore backup
    input:
      backupId: \${{ parameters.backupId }}
      target: new
      name: restored-box
`,
  },
  {
    description: 'Restore a backup in place into its (stopped) sandbox.',
    example: `steps:
  - id: restore
    action: sandbox:restore
    name: Restore in place
    input:
      backupId: bk-20261101100000-0a1b2c3d
      target: in-place
`,
  },
];
